"""GET /api/export.csv: every matching report as CSV, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from search_api import csv_export, service
from search_api.deps import EXPORT_QUERY, ExportQuery, HeavyDep, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.limits import Slots

router = APIRouter(tags=["export"], responses=ERROR_RESPONSES)


class SlotStreamingResponse(StreamingResponse):
    """A stream that gives its slot back when it ends: finished, failed or dropped by the client."""

    def __init__(self, content: AsyncIterator[str], slots: Slots, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slots.give_back()


async def _csv(batches: AsyncIterator[list[dict[str, Any]]]) -> AsyncIterator[str]:
    yield csv_export.header()
    async for batch in batches:
        yield csv_export.batch(batch)


@router.get(
    "/api/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte order mark"}},
    openapi_extra=EXPORT_QUERY.openapi(),
)
async def export_csv(params: ExportQuery, store: StoreDep, heavy: HeavyDep) -> StreamingResponse:
    """Every report matching the filters of /api/search (not one page): identity fields and totals.

    Only GOVREPORTS_MAX_EXPORTS exports stream at a time; one more is 503 with Retry-After.
    """
    heavy.exports.take()
    try:
        batches = await service.export(store, params)
    except BaseException:
        heavy.exports.give_back()
        raise
    return SlotStreamingResponse(
        _csv(batches),
        heavy.exports,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="govreports.csv"'},
    )
