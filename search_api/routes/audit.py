"""GET /api/audit and /api/audit.csv: what the audit across the years found (docs/audit.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from search_api import audit_service
from search_api.deps import HeavyDep, SettingsDep, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.params import QueryModel
from search_api.routes.export import SlotStreamingResponse

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)
FINDING_QUERY = QueryModel(audit_service.FindingParams)
EXPORT_QUERY = QueryModel(audit_service.FindingFilters)
FindingQuery = Annotated[audit_service.FindingParams, Depends(FINDING_QUERY)]
ExportQuery = Annotated[audit_service.FindingFilters, Depends(EXPORT_QUERY)]


@router.get("/api/audit", openapi_extra=FINDING_QUERY.openapi())
async def audit(params: FindingQuery, store: StoreDep) -> dict[str, Any]:
    """Findings: broken cross-year chains, late and missing reports, copied narratives; newest year first.

    Only what is wrong is listed: a chain that holds or cannot be assessed is no finding.
    """
    return await audit_service.findings(store, params)


@router.get(
    "/api/audit.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte order mark"}},
    openapi_extra=EXPORT_QUERY.openapi(),
)
async def audit_csv(
    params: ExportQuery, store: StoreDep, settings: SettingsDep, heavy: HeavyDep
) -> StreamingResponse:
    """Every matching finding (not one page) as a 问题清单: the rule in words, the office, the year,
    links to the report and the one compared, the cells involved."""
    heavy.exports.take()
    return SlotStreamingResponse(
        audit_service.findings_csv(store, params, settings.public_url),
        heavy.exports,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="govreports-audit.csv"'},
    )
