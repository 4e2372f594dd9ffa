"""GET /healthz: the service and Elasticsearch status."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from govreports.errors import ElasticsearchUnavailable
from search_api.deps import StoreDep
from search_api.schemas import ElasticsearchHealth, Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(store: StoreDep) -> Health | JSONResponse:
    """200 with the cluster status and index size; 503 when Elasticsearch does not answer."""
    try:
        status = await store.cluster_status()
        documents = await store.documents()
    except ElasticsearchUnavailable:
        down = Health(
            status="unavailable", elasticsearch=ElasticsearchHealth(reachable=False, index=store.index)
        )
        return JSONResponse(down.model_dump(mode="json"), status_code=503)
    es = ElasticsearchHealth(
        reachable=True,
        status=status,
        index=store.index,
        index_exists=documents is not None,
        documents=documents,
    )
    return Health(status="ok", elasticsearch=es)
