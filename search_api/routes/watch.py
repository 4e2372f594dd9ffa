"""GET /api/watch: what the watch loop did, per cycle and per site."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from govreports.redaction import Redactor, redactor
from monitor.indices import MonitorIndices
from monitor.runs import Cycle, cycles_from_response, recent_cycles_body
from search_api.deps import SettingsDep, StoreDep
from search_api.errors import ERROR_RESPONSES

router = APIRouter(tags=["monitoring"], responses=ERROR_RESPONSES)


class WatchLog(BaseModel):
    cycles: list[Cycle]


@router.get("/api/watch", response_model=WatchLog)
async def watch_log(
    settings: SettingsDep,
    store: StoreDep,
    cycles: Annotated[int, Query(ge=1, le=100, description="how many of the latest cycles")] = 10,
    site: Annotated[
        str | None, Query(max_length=80, description="only cycles that crawled this site")
    ] = None,
) -> WatchLog:
    """The latest watch cycles, newest first: for each site, when its crawl started and finished,
    pages fetched, reports new, revised, unchanged and failed, and the error if it failed."""
    with store.translated_errors():
        response = await store.client.search(
            index=MonitorIndices(store.index).watch,
            ignore_unavailable=True,
            **recent_cycles_body(cycles, site),
        )
    return WatchLog(cycles=public_cycles(cycles_from_response(dict(response.body)), redactor(settings)))


def public_cycles(cycles: list[Cycle], redaction: Redactor) -> list[Cycle]:
    """The cycles with each stored error fit for anonymous users. The watch loop stores errors as
    operators read them, with a node's address; versions before redaction stored its credentials too."""
    for cycle in cycles:
        for run in cycle.sites:
            if run.error is not None:
                run.error = redaction.public(run.error)
    return cycles
