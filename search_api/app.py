"""The FastAPI application: `create_app(settings)`.

Routers are registered from `ROUTERS`, a plain list: a new resource is one
module under `search_api/routes/` and one line appended here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from govreports.es_client import build_async_client
from govreports.settings import Settings, get_settings
from search_api.errors import install_error_handlers
from search_api.routes import docs, export, health, page, reports, search, stats
from search_api.routes import feeds as feeds_routes
from search_api.routes import new as new_routes
from search_api.routes import subscriptions as subscriptions_routes
from search_api.routes import watch as watch_routes
from search_api.store import ReportStore

ROUTERS: list[APIRouter] = [
    search.router,
    reports.router,
    stats.router,
    export.router,
    health.router,
    docs.router,
    page.router,
    new_routes.router,
    feeds_routes.router,
    subscriptions_routes.router,
    watch_routes.router,
]

STATIC_DIR = resources.files("search_api") / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client for the app's lifetime: its connection pool is shared by every request.
        client = build_async_client(settings)
        app.state.store = ReportStore(client, settings.index, settings.es_url)
        try:
            yield
        finally:
            await client.close()

    app = FastAPI(
        title="govreports",
        summary="Search China's government information disclosure annual reports (政府信息公开工作年度报告)",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py from the package instead of a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    return app
