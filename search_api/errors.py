"""One JSON error shape, `{"error": "…", "detail": …}`, for every failure the API returns."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from govreports.errors import ElasticsearchUnavailable, GovreportsError
from search_api.schemas import ErrorBody

log = logging.getLogger("govreports.api")


class ReportNotFound(GovreportsError):
    """No report has this id."""


class SearchRejected(GovreportsError):
    """Elasticsearch answered but refused the request (a bug here, or an incompatible index)."""


class StoredReportInvalid(GovreportsError):
    """A document of the index does not fit the report model (written by another version)."""


class Busy(GovreportsError):
    """As many requests of this kind as the server allows are running; try again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# Declared on every API route so the OpenAPI document describes the real error bodies.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "a parameter is invalid"},
    429: {"model": ErrorBody, "description": "too many requests from this address (GOVREPORTS_RATE_LIMIT)"},
    502: {
        "model": ErrorBody,
        "description": "Elasticsearch refused the request, or its data is not readable",
    },
    503: {"model": ErrorBody, "description": "Elasticsearch is unreachable, or the server is busy"},
}
NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no such report"}
}


def error_response(status: int, error: str, detail: Any = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, detail=detail).model_dump(mode="json"), status_code=status)


def _describe(errors: list[Any]) -> list[dict[str, str]]:
    described = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        described.append({"parameter": ".".join(location), "message": message})
    return described


def _validation_message(described: list[dict[str, str]]) -> str:
    first = described[0] if described else {"parameter": "", "message": "invalid request"}
    where = f"{first['parameter']}: " if first["parameter"] else ""
    more = f" (and {len(described) - 1} more)" if len(described) > 1 else ""
    return f"invalid parameter — {where}{first['message']}{more}"


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    described = _describe(list(exc.errors()))
    return error_response(422, _validation_message(described), described)


async def _on_http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase.lower()
    error = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase
        else phrase
    )
    response = error_response(exc.status_code, error)
    response.headers.update(exc.headers or {})
    return response


def public_error(error: GovreportsError) -> tuple[int, str]:
    """The status and the message a client sees for a domain error (the JSON API and the page alike)."""
    if isinstance(error, ReportNotFound):
        return 404, str(error)
    if isinstance(error, ElasticsearchUnavailable | Busy):
        return 503, str(error)
    if isinstance(error, SearchRejected):
        # Elasticsearch's own text names indices and internals: it goes to the log, not the client.
        log.warning("Elasticsearch refused a request: %s", error)
        return 502, "Elasticsearch refused the request"
    if isinstance(error, StoredReportInvalid):
        return 502, str(error)
    return 400, str(error)


async def _on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GovreportsError)
    status, message = public_error(exc)
    response = error_response(status, message)
    if isinstance(exc, Busy):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(GovreportsError, _on_domain_error)
