"""GET /api/stats: report counts and summed totals per group."""

from __future__ import annotations

from fastapi import APIRouter

from search_api import service
from search_api.deps import STATS_QUERY, HeavyDep, StatsQuery, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.schemas import StatsResponse

router = APIRouter(tags=["stats"], responses=ERROR_RESPONSES)


@router.get("/api/stats", response_model=StatsResponse, openapi_extra=STATS_QUERY.openapi())
async def stats(params: StatsQuery, store: StoreDep, heavy: HeavyDep) -> StatsResponse:
    """With the filters of /api/search: per group, the number of reports and the sum of each totals key.

    `grant_rate` is not summed: it is Σgranted / Σapplications_handled over the
    group's reports that have a grant rate (the ratio of sums, so large offices
    weigh by their number of applications). Grouped by office, every office is a
    group, read a page of 1000 at a time: only GOVREPORTS_MAX_OFFICE_STATS such walks
    run at a time, one more is 503 with Retry-After.
    """
    if params.group_by != "office":
        return await service.stats(store, params)
    with heavy.office_stats.held():
        return await service.stats(store, params)
