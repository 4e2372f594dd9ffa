"""Dependencies the routes declare with `Annotated`: the settings, the report store, the parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from govreports.settings import Settings
from search_api.limits import HeavyRequests
from search_api.params import QueryModel
from search_api.query import ExportParams, SearchParams, StatsParams
from search_api.store import ReportStore


# Async so FastAPI calls them on the event loop, not through its thread pool.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> ReportStore:
    store: ReportStore = request.app.state.store
    return store


async def get_heavy(request: Request) -> HeavyRequests:
    heavy: HeavyRequests = request.app.state.heavy
    return heavy


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[ReportStore, Depends(get_store)]
HeavyDep = Annotated[HeavyRequests, Depends(get_heavy)]
# The routes that take these also declare their `openapi()` as `openapi_extra`.
SEARCH_QUERY = QueryModel(SearchParams)
STATS_QUERY = QueryModel(StatsParams)
EXPORT_QUERY = QueryModel(ExportParams)
SearchQuery = Annotated[SearchParams, Depends(SEARCH_QUERY)]
StatsQuery = Annotated[StatsParams, Depends(STATS_QUERY)]
ExportQuery = Annotated[ExportParams, Depends(EXPORT_QUERY)]
