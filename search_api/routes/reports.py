"""GET /api/reports/{id}: one whole report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from govreports.model import Report
from search_api import service
from search_api.deps import StoreDep
from search_api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE

router = APIRouter(tags=["reports"], responses={**ERROR_RESPONSES, **NOT_FOUND_RESPONSE})

REPORT_ID = r"^[0-9A-Za-z_.-]{1,128}$"
ReportId = Annotated[str, Path(pattern=REPORT_ID, description="the report's id (hex sha1)")]


@router.get("/api/reports/{report_id}", response_model=Report)
async def report(report_id: ReportId, store: StoreDep) -> Report:
    """The whole report (report-model.md): identity, source, narrative, tables, totals and checks."""
    return await service.report(store, report_id)
