"""GET /api/export.csv: every matching report as CSV, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from search_api import csv_export, service
from search_api.deps import EXPORT_QUERY, ExportQuery, StoreDep
from search_api.errors import ERROR_RESPONSES

router = APIRouter(tags=["export"], responses=ERROR_RESPONSES)


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
async def export_csv(params: ExportQuery, store: StoreDep) -> StreamingResponse:
    """Every report matching the filters of /api/search (not one page): identity fields and totals."""
    batches = await service.export(store, params)
    return StreamingResponse(
        _csv(batches),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="govreports.csv"'},
    )
