"""The FastAPI application: `create_app(settings)`.

Routers are registered from `ROUTERS`, a plain list: a new resource is one
module under `search_api/routes/` and one line appended here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from govreports.es_client import build_async_client
from govreports.settings import Settings, get_settings
from search_api.errors import install_error_handlers
from search_api.limits import HeavyRequests, RateLimit, Slots, TokenBuckets
from search_api.routes import audit, docs, export, health, office_page, offices, page, reports, search, stats
from search_api.routes import feeds as feeds_routes
from search_api.routes import new as new_routes
from search_api.routes import subscriptions as subscriptions_routes
from search_api.routes import watch as watch_routes
from search_api.security import ForwardedClient, SecurityHeaders
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
    offices.router,
    audit.router,
    office_page.router,
]

STATIC_DIR = resources.files("search_api") / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One client for the app's lifetime: its connection pool is shared by every request.
        client = build_async_client(settings)
        app.state.store = ReportStore(client, settings.index, settings.es_url)
        await run_in_threadpool(subscriptions_routes.seal_secrets_at_start, settings)
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
    app.state.heavy = HeavyRequests(
        exports=Slots(settings.max_exports, "CSV exports"),
        office_stats=Slots(settings.max_office_stats, "statistics by office"),
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    install_middleware(app, settings)
    return app


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """From the outside in: security headers on every answer (a 429 too), the client's address, its rate.

    Each added middleware wraps the ones added before, hence the reverse order here. The proxy
    and rate ones are installed only when configured: unused, they cost nothing per request.
    """
    if settings.rate_limit:
        app.add_middleware(RateLimit, buckets=TokenBuckets(settings.rate_limit, settings.rate_limit_burst))
    if settings.trusted_proxies:
        app.add_middleware(ForwardedClient, trusted=settings.trusted_proxies)
    app.add_middleware(SecurityHeaders)
