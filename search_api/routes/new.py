"""GET /api/new: reports first seen after an instant, newest first, with the search filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from monitor.recent import NewParams, NewResponse, build_recent_body, filters_of
from monitor.summaries import summary_from_source
from search_api.deps import StoreDep
from search_api.errors import ERROR_RESPONSES

router = APIRouter(tags=["monitoring"], responses=ERROR_RESPONSES)


@router.get("/api/new", response_model=NewResponse)
async def new_reports(params: Annotated[NewParams, Query()], store: StoreDep) -> NewResponse:
    """Reports this service first saw after `since` (by `first_seen_at`), newest first.

    Every filter of /api/search applies. A client polling for news passes the
    `first_seen_at` of the newest report it has as the next `since`.
    """
    body = build_recent_body(
        filters_of(params), params.since, start=(params.page - 1) * params.size, size=params.size
    )
    response = await store.search(body)
    hits = [summary_from_source(hit["_source"]) for hit in response["hits"]["hits"]]
    return NewResponse(since=params.since, total=response["hits"]["total"]["value"], hits=hits)
