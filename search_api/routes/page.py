"""The web page: `/` (search) and `/reports/{id}` (one report), rendered on the server.

The page reads the same parameters as /api/search, so every state of it is a
plain URL; `static/app.js` only submits the form on a change and draws the chart.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from govreports.errors import GovreportsError
from search_api import audit_service, labels, presentation, service
from search_api.deps import StoreDep
from search_api.errors import public_error
from search_api.params import GeneratedId
from search_api.query import BOOLEAN_FACETS, FACETS, SearchParams
from search_api.schemas import FacetValue

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("search_api") / "templates"))
templates.env.filters["number"] = presentation.number
templates.env.globals["labels"] = labels

LIST_PARAMS = frozenset(facet for facet in FACETS if facet not in BOOLEAN_FACETS)
# The range inputs the page offers, of all the totals bounds the API takes.
PAGE_RANGES: tuple[str, ...] = ("applications_received", "grant_rate", "lawsuits")


def page_params(query: QueryParams) -> SearchParams:
    """The search parameters of the page's URL; empty form fields count as not given."""
    data: dict[str, Any] = {}
    for key in query:
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            data[key] = values if key in LIST_PARAMS else values[-1]
    return SearchParams.model_validate(data)


def validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}：{message}" if where else message


def facet_label(facet: str, value: FacetValue) -> str:
    if facet == "level":
        return labels.LEVEL_LABELS.get(str(value), str(value))
    if facet == "template":
        return labels.TEMPLATE_LABELS.get(str(value), str(value))
    if facet == "consistent" and isinstance(value, bool):
        return labels.CONSISTENT_LABELS[value]
    if facet == "copied" and isinstance(value, bool):
        return labels.COPIED_LABELS[value]
    if facet == "ocr" and isinstance(value, bool):
        return labels.OCR_LABELS[value]
    if facet == "timeliness":
        return labels.TIMELINESS_LABELS.get(str(value), str(value))
    if facet == "chain":
        return labels.CHAIN_LABELS.get(str(value), str(value))
    if facet == "year":
        return f"{value}年"
    return str(value)


def url_with(query: QueryParams, **changes: Any) -> str:
    """The current URL's query string with some parameters replaced (None removes), blank ones left out."""
    items = [(key, value) for key, value in query.multi_items() if key not in changes and value.strip()]
    items += [(key, str(value)) for key, value in changes.items() if value is not None]
    return "?" + str(QueryParams(items))


def web_link(url: str | None) -> str | None:
    """The URL when a browser may follow it; a crawled `javascript:` or `file:` URL is shown as text only."""
    return url if url and url.startswith(("http://", "https://")) else None


@router.get("/", response_class=HTMLResponse)
async def search_page(request: Request, store: StoreDep) -> HTMLResponse:
    context: dict[str, Any] = {
        "params": None,
        "result": None,
        "error": None,
        "query": request.query_params,
        "facets": FACETS,
        "boolean_facets": BOOLEAN_FACETS,
        "ranges": PAGE_RANGES,
        "facet_label": facet_label,
        "url_with": url_with,
    }
    status = 200
    try:
        params = page_params(request.query_params)
        context["params"] = params
        context["result"] = await service.search(store, params)
    except ValidationError as error:
        context["error"], status = validation_message(error), 422
    except GovreportsError as error:
        status, context["error"] = public_error(error)
    return templates.TemplateResponse(request, "search.html", context, status_code=status)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
async def report_page(report_id: GeneratedId, request: Request, store: StoreDep) -> HTMLResponse:
    try:
        report = await service.report(store, report_id)
    except GovreportsError as error:
        status, message = public_error(error)
        return templates.TemplateResponse(request, "error.html", {"error": message}, status_code=status)
    applications = report.applications
    context = {
        "report": report,
        "failing": presentation.failing_cells(report),
        "active_blocks": presentation.active_layout(report.active),
        "active_cell": presentation.active_cell,
        "matrix": presentation.application_layout(
            applications is not None and presentation.sub_rows_printed(applications)
        ),
        "source_link": web_link(report.source_url),
        # The audit across the years: this office's other years, and the cells breaking a chain.
        **await audit_service.report_context(store, report.office_id, report.id),
    }
    return templates.TemplateResponse(request, "report.html", context)
