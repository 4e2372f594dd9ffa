"""The versions ledger: the numeric cells of every report version the monitor has seen.

The report index keeps only the current version of a report (and, in `revisions`,
the hashes of earlier ones), so the cells a revision changed can only be told if
the earlier version's cells were recorded when it was current. After each index
run the ledger takes one document per (report, content_sha256) it has not seen;
a version replacing a recorded one is a revision, with the changed cells listed.

Which reports to look at is derived from the ledger itself: those fetched since
the newest `fetched_at` it holds, less an overlap for crawls that index late. A
version already recorded is skipped, so looking twice costs a lookup, not an event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel

from govreports.errors import GovreportsError
from govreports.model import Revision
from monitor.cells import TABLES, Cells, diff_cells, document_cells
from monitor.clock import es_date
from monitor.events import ChangedCell
from monitor.indices import MonitorIndices
from monitor.scan import chunks, scan_hits

# A crawl running beside the watch loop can index a report fetched a while ago.
SCAN_OVERLAP = timedelta(days=1)
SOURCE_FIELDS: list[str] = ["id", "content_sha256", "fetched_at", "revisions", *TABLES]
BATCH = 500


class Version(BaseModel):
    report_id: str
    content_sha256: str
    fetched_at: datetime | None = None
    recorded_at: datetime
    # True when this version replaced one: `previous_sha256` names it, `changes` lists the cells that
    # differ from the newest earlier version recorded (null when none was, so no diff can be made).
    revision: bool = False
    previous_sha256: str | None = None
    cells: Cells
    changes: list[ChangedCell] | None = None

    def document(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        document["recorded_at"] = es_date(self.recorded_at)
        if self.fetched_at is not None:
            document["fetched_at"] = es_date(self.fetched_at)
        return document


def version_id(report_id: str, content_sha256: str) -> str:
    return hashlib.sha1(f"{report_id}\n{content_sha256}".encode()).hexdigest()


def record_versions(client: Elasticsearch, indices: MonitorIndices, now: datetime) -> int:
    """Record every indexed report version the ledger lacks; returns how many revisions were found."""
    # An empty ledger is a first run: what is indexed now is the baseline, not a wave of revisions.
    baseline = not _ledger_has_versions(client, indices)
    newest = None if baseline else _newest_fetched_at(client, indices)
    query: dict[str, Any] = (
        {"range": {"fetched_at": {"gte": es_date(newest - SCAN_OVERLAP)}}} if newest else {"match_all": {}}
    )
    hits = scan_hits(client, indices.reports, query, [{"fetched_at": "asc"}, {"id": "asc"}], SOURCE_FIELDS)
    revisions = 0
    for page in chunks(hits, BATCH):
        sources = [hit["_source"] for hit in page]
        versions = list(_unrecorded_versions(client, indices, sources, now, baseline))
        revisions += sum(version.revision for version in _create_all(client, indices, versions))
    client.indices.refresh(index=indices.versions)
    return revisions


class StoredReport(BaseModel):
    """What the ledger reads of an indexed report besides its cells."""

    id: str
    content_sha256: str
    fetched_at: datetime | None = None
    revisions: list[Revision] = []


def _unrecorded_versions(
    client: Elasticsearch,
    indices: MonitorIndices,
    sources: list[dict[str, Any]],
    now: datetime,
    baseline: bool,
) -> Iterator[Version]:
    ids = [version_id(source["id"], source["content_sha256"]) for source in sources]
    recorded = _existing(client, indices, ids)
    for source, current_id in zip(sources, ids, strict=True):
        if current_id in recorded:
            continue
        yield _version_of(client, indices, source, now, baseline)


def _version_of(
    client: Elasticsearch, indices: MonitorIndices, source: dict[str, Any], now: datetime, baseline: bool
) -> Version:
    report = StoredReport.model_validate(source)
    cells = document_cells(source)
    version = Version(
        report_id=report.id,
        content_sha256=report.content_sha256,
        fetched_at=report.fetched_at,
        recorded_at=now,
        cells=cells,
    )
    if baseline or not report.revisions:
        return version
    earlier = _newest_first(report.revisions)
    base = _first_recorded(client, indices, report.id, earlier)
    version.revision = True
    if base is None:
        version.previous_sha256 = earlier[0].content_sha256
        return version
    version.previous_sha256 = base.content_sha256
    version.changes = [ChangedCell.of(change) for change in diff_cells(base.cells, cells)]
    return version


def _newest_first(revisions: Iterable[Revision]) -> list[Revision]:
    # Revisions without a fetch time sort last: they are the least certain to be recent.
    dated = [revision for revision in revisions if revision.fetched_at is not None]
    undated = [revision for revision in revisions if revision.fetched_at is None]
    return sorted(dated, key=attrgetter("fetched_at"), reverse=True) + undated


def _first_recorded(
    client: Elasticsearch, indices: MonitorIndices, report_id: str, earlier: list[Revision]
) -> Version | None:
    """The newest earlier version of the report that the ledger holds."""
    if not earlier:
        return None
    response = client.mget(
        index=indices.versions, ids=[version_id(report_id, revision.content_sha256) for revision in earlier]
    )
    for doc in response["docs"]:
        if doc.get("found"):
            return Version.model_validate(doc["_source"])
    return None


def _existing(client: Elasticsearch, indices: MonitorIndices, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    response = client.mget(index=indices.versions, ids=ids, source=False)
    return {doc["_id"] for doc in response["docs"] if doc.get("found")}


def _create_all(client: Elasticsearch, indices: MonitorIndices, versions: list[Version]) -> list[Version]:
    """Record `versions` in one bulk request; returns those recorded by this call.

    `create`, not `index`: a concurrent recorder that got there first keeps its (identical)
    version, and that version is not counted twice.
    """
    if not versions:
        return []
    operations: list[dict[str, Any]] = []
    for version in versions:
        target = {"_index": indices.versions, "_id": version_id(version.report_id, version.content_sha256)}
        operations += [{"create": target}, version.document()]
    response = client.bulk(operations=operations)
    created = []
    for version, item in zip(versions, response["items"], strict=True):
        answer = item["create"]
        if answer.get("status") == 409:
            continue
        if "error" in answer:
            raise GovreportsError(f"the versions ledger refused {version.report_id}: {answer['error']}")
        created.append(version)
    return created


def _newest_fetched_at(client: Elasticsearch, indices: MonitorIndices) -> datetime | None:
    aggs = {"newest": {"max": {"field": "fetched_at"}}}
    response = client.search(index=indices.versions, size=0, aggs=aggs)
    value = response["aggregations"]["newest"].get("value_as_string")
    return datetime.fromisoformat(value) if value else None


def _ledger_has_versions(client: Elasticsearch, indices: MonitorIndices) -> bool:
    count: int = client.count(index=indices.versions)["count"]
    return count > 0


def revisions_between(
    client: Elasticsearch, indices: MonitorIndices, start: datetime, end: datetime
) -> list[Version]:
    """Revisions recorded in the window (start, end], oldest first."""
    query = {
        "bool": {
            "filter": [
                {"term": {"revision": True}},
                {"range": {"recorded_at": {"gt": es_date(start), "lte": es_date(end)}}},
            ]
        }
    }
    sort = [{"recorded_at": "asc"}, {"report_id": "asc"}, {"content_sha256": "asc"}]
    hits = scan_hits(client, indices.versions, query, sort)
    return [Version.model_validate(hit["_source"]) for hit in hits]
