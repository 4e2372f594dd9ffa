"""GET /feed.atom: the reports first seen most recently, as an Atom feed, with the search filters."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from monitor.atom import FeedInfo, render_feed
from monitor.clock import utc_now
from monitor.recent import FeedParams, build_recent_body, filters_of
from monitor.summaries import summary_from_source
from search_api.deps import SettingsDep, StoreDep
from search_api.errors import ERROR_RESPONSES

router = APIRouter(tags=["monitoring"], responses=ERROR_RESPONSES)
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"


def feed_title(params: FeedParams) -> str:
    chosen = [*params.province, *params.city, *params.county, *params.office, *map(str, params.year)]
    focus = " ".join([*chosen, params.q.strip()]).strip()
    return f"govreports: 新发布的政府信息公开工作年度报告{f' — {focus}' if focus else ''}"


@router.get(
    "/feed.atom",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "an Atom 1.0 feed"}},
)
async def feed(
    params: Annotated[FeedParams, Query()], request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """The newest reports (by when this service first saw them) matching the /api/search filters.

    Entry ids are `urn:govreports:report:<id>`, stable across re-crawls; each entry
    names the office, the year and the headline totals.
    """
    filters = filters_of(params)
    response = await store.search(build_recent_body(filters, params.since, start=0, size=params.size))
    summaries = [summary_from_source(hit["_source"]) for hit in response["hits"]["hits"]]
    # The feed's identity is its filters (not `size`, not the order parameters came in).
    query = urlencode(sorted(filters.model_dump(exclude_defaults=True, mode="json").items()), doseq=True)
    # The web page takes the same parameters: the feed's alternate link is the same search there.
    # Absolute links start from GOVREPORTS_PUBLIC_URL: the Host header is whatever the client sent.
    page = f"{settings.public_url}/{'?' + query if query else ''}"
    self_url = f"{settings.public_url}/feed.atom?{request.url.query}".removesuffix("?")
    info = FeedInfo(title=feed_title(params), self_url=self_url, query=query, site_url=page)
    return Response(render_feed(info, summaries, now=utc_now()), media_type=ATOM_MEDIA_TYPE)
