"""GET /api/reports/{id}: one whole report."""

from __future__ import annotations

from fastapi import APIRouter

from govreports.model import Report
from search_api import service
from search_api.deps import StoreDep
from search_api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE
from search_api.params import GeneratedId

router = APIRouter(tags=["reports"], responses={**ERROR_RESPONSES, **NOT_FOUND_RESPONSE})


@router.get("/api/reports/{report_id}", response_model=Report)
async def report(report_id: GeneratedId, store: StoreDep) -> Report:
    """The whole report (report-model.md): identity, source, narrative, tables, totals and checks."""
    return await service.report(store, report_id)
