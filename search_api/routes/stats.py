"""GET /api/stats: report counts and summed totals per group."""

from __future__ import annotations

from fastapi import APIRouter

from search_api import service
from search_api.deps import STATS_QUERY, StatsQuery, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.schemas import StatsResponse

router = APIRouter(tags=["stats"], responses=ERROR_RESPONSES)


@router.get("/api/stats", response_model=StatsResponse, openapi_extra=STATS_QUERY.openapi())
async def stats(params: StatsQuery, store: StoreDep) -> StatsResponse:
    """With the filters of /api/search: per group, the number of reports and the sum of each totals key.

    `grant_rate` is not summed: it is Σgranted / Σapplications_handled over the
    group's reports that have a grant rate (the ratio of sums, so large offices
    weigh by their number of applications).
    """
    return await service.stats(store, params)
