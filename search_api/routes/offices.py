"""GET /api/offices and /api/offices/{office_id}: offices over the years (docs/audit.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from search_api import audit_service
from search_api.deps import StoreDep
from search_api.errors import ERROR_RESPONSES, NOT_FOUND_RESPONSE
from search_api.params import GeneratedId, QueryModel

router = APIRouter(tags=["offices"], responses=ERROR_RESPONSES)
OFFICE_QUERY = QueryModel(audit_service.OfficeParams)
OfficeQuery = Annotated[audit_service.OfficeParams, Depends(OFFICE_QUERY)]


@router.get("/api/offices", openapi_extra=OFFICE_QUERY.openapi())
async def offices(params: OfficeQuery, store: StoreDep) -> dict[str, Any]:
    """Offices matching a part of any name they printed (`q`), their region and level; each with its
    latest printed name, how many reports it published and for which years."""
    return await audit_service.offices(store, params)


@router.get("/api/offices/{office_id}", responses=NOT_FOUND_RESPONSE)
async def office(office_id: GeneratedId, store: StoreDep) -> dict[str, Any]:
    """One office: every name it printed, and one entry per year with the report's figures, its
    timeliness, cross-year chains and copy score, or the year it is missing."""
    return await audit_service.office(store, office_id)
