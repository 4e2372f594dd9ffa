"""The office's page, `/offices/{office_id}`: its years, a chart of its main figures, its findings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from govreports.errors import GovreportsError
from search_api import audit_service
from search_api.deps import StoreDep
from search_api.errors import public_error
from search_api.params import GeneratedId
from search_api.routes.page import templates

router = APIRouter(include_in_schema=False)


@router.get("/offices/{office_id}", response_class=HTMLResponse)
async def office_page(office_id: GeneratedId, request: Request, store: StoreDep) -> HTMLResponse:
    try:
        office = await audit_service.office(store, office_id)
        filters = audit_service.FindingParams(office_id=[office_id], size=100)
        findings = await audit_service.findings(store, filters)
    except GovreportsError as error:
        status, message = public_error(error)
        return templates.TemplateResponse(request, "error.html", {"error": message}, status_code=status)
    context = {"office": office, "findings": findings}
    return templates.TemplateResponse(request, "office.html", context)
