"""GET /docs: Swagger UI for /openapi.json, served from the package (no CDN, works offline)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
async def docs(request: Request) -> HTMLResponse:
    vendor = "/static/vendor/swagger-ui"
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="govreports API",
        swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
        swagger_css_url=f"{vendor}/swagger-ui.css",
        swagger_favicon_url="data:,",
    )
