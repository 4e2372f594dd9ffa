"""What the routes do, shared by the JSON API and the web page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from govreports.model import Report
from indexer.documents_es import from_document
from search_api import query, results
from search_api.errors import StoredReportInvalid
from search_api.schemas import StatsResponse
from search_api.store import ReportStore


async def search(store: ReportStore, params: query.SearchParams) -> dict[str, Any]:
    """The /api/search body as JSON-ready data (see `results.search_body`)."""
    took, (hits, facets) = await store.search_many(list(query.build_search_bodies(params)))
    return results.search_body(took, hits, facets, params)


async def stats(store: ReportStore, params: query.StatsParams) -> StatsResponse:
    groups = []
    after: dict[str, Any] | None = None
    total = 0
    while True:
        response = await store.search(query.build_stats_body(params, after))
        total = response["hits"]["total"]["value"]
        page = response["aggregations"]["groups"]
        groups += [results.to_stats_group(params.group_by, bucket) for bucket in page["buckets"]]
        after = page.get("after_key")
        if after is None or not page["buckets"]:
            break
    return StatsResponse(group_by=params.group_by, total=total, groups=groups)


async def report(store: ReportStore, report_id: str) -> Report:
    source = await store.get_source(report_id)
    try:
        return from_document(source)
    except ValidationError as error:
        # Written by an older or newer version of govreports: say so instead of failing obscurely.
        raise StoredReportInvalid(
            f"the stored report {report_id!r} does not fit the report model: {error}"
        ) from error


async def export(store: ReportStore, params: query.ExportParams) -> AsyncIterator[list[dict[str, Any]]]:
    """Every matching report's identity and totals, in batches, from one point in time.

    The point in time is opened before the first batch is asked for, so an
    unreachable Elasticsearch fails the request instead of an already-started download.
    """
    pit_id = await store.open_export()
    text = query.build_text_query(params.q)
    sort = query.build_sort(params.sort, has_text=text is not None)
    return store.export_batches(pit_id, query.build_query(params), sort, query.EXPORT_FIELDS)
