"""GET /api/search: the faceted search."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Response

from search_api import service
from search_api.deps import SEARCH_QUERY, SearchQuery, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.schemas import SearchResponse

router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)


@router.get("/api/search", response_model=SearchResponse, openapi_extra=SEARCH_QUERY.openapi())
async def search(params: SearchQuery, store: StoreDep) -> Response:
    """Reports matching the keywords and filters, one page of them, with facet counts.

    Each facet is counted with every filter applied except its own, so the counts
    say what selecting one more value would give.
    """
    body = await service.search(store, params)
    # Serialised here: FastAPI would validate the body against the model and encode it in Python.
    return Response(orjson.dumps(body), media_type="application/json")
