"""GET /docs: Swagger UI for /openapi.json, served from the package (no CDN, works offline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from search_api.routes.page import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    # A template with its script in static/docs.js: FastAPI's own page starts Swagger UI inline.
    return templates.TemplateResponse(request, "docs.html", {"openapi_url": request.app.openapi_url})
