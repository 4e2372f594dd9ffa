"""The versions ledger: the numeric cells of every report version the monitor has seen.

The report index keeps only the current version of a report (and, in `revisions`,
the hashes of earlier ones), so the cells a revision changed can only be told if
the earlier version's cells were recorded when it was current. After each index
run the ledger takes one document per (report, content_sha256) it has not seen;
a version replacing a recorded one is a revision, with the changed cells listed.

Which reports to look at is derived from the ledger itself: those fetched since
the newest `fetched_at` it holds, less an overlap for crawls that index late. A
version already recorded is skipped, so looking twice costs a lookup, not an event:
the scan reads each report's id and hash from doc values, and a report's source
only when its version is missing.

`govreports index` also hands every batch it writes to a `LedgerRecorder`, so the
scan after the run finds its versions recorded instead of reading them all back.
The scan stays the authority: a run that stopped between writing a batch and
recording it leaves versions the next scan records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel

from govreports.errors import GovreportsError
from govreports.model import Revision
from monitor.cells import TABLES, Cells, diff_cells, document_cells
from monitor.clock import es_date, utc_now
from monitor.events import ChangedCell
from monitor.indices import MonitorIndices, ensure_indices
from monitor.scan import chunks, scan_hits

# A crawl running beside the watch loop can index a report fetched a while ago.
SCAN_OVERLAP = timedelta(days=1)
SOURCE_FIELDS: list[str] = ["id", "content_sha256", "fetched_at", "revisions", *TABLES]
# Read from doc values by the scan: a report's source is only loaded when its version is missing.
KEY_FIELDS: list[str] = ["id", "content_sha256"]
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
        """The ledger document: `model_dump(mode="json")` with dates as Elasticsearch reads them back.

        Spelled out: an index run records thousands of versions, and dumping each one's hundred-odd
        cells through pydantic cost more than building the version. The cells are JSON values as they are.
        """
        return {
            "report_id": self.report_id,
            "content_sha256": self.content_sha256,
            "fetched_at": None if self.fetched_at is None else es_date(self.fetched_at),
            "recorded_at": es_date(self.recorded_at),
            "revision": self.revision,
            "previous_sha256": self.previous_sha256,
            "cells": dict(self.cells),
            "changes": None if self.changes is None else [change.model_dump() for change in self.changes],
        }


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
    sort = [{"fetched_at": "asc"}, {"id": "asc"}]
    hits = scan_hits(client, indices.reports, query, sort, source=False, docvalue_fields=KEY_FIELDS)
    revisions = 0
    for page in chunks(hits, BATCH):
        missing = _unrecorded(
            client, indices, [(hit["fields"]["id"][0], hit["fields"]["content_sha256"][0]) for hit in page]
        )
        if missing:
            sources = _read_reports(client, indices, missing)
            revisions += _record(client, indices, sources, now, baseline)
    client.indices.refresh(index=indices.versions)
    return revisions


class LedgerRecorder:
    """Records the new versions an index run writes, batch by batch, as the scan after it would.

    Made before the run's first write, and only (`for_run`) when the ledger stays complete
    that way: when it already holds versions, or when nothing is indexed yet. Otherwise the
    scan after the run must take the whole index as its baseline.
    """

    def __init__(self, client: Elasticsearch, indices: MonitorIndices, baseline: bool) -> None:
        self.client, self.indices, self.baseline = client, indices, baseline

    @classmethod
    def for_run(cls, client: Elasticsearch, indices: MonitorIndices) -> LedgerRecorder | None:
        ensure_indices(client, indices)
        if _ledger_has_versions(client, indices):
            return cls(client, indices, baseline=False)
        if _report_count(client, indices) == 0:
            return cls(client, indices, baseline=True)
        return None

    def record(self, documents: list[dict[str, Any]]) -> None:
        """Record the versions of these just-written report documents that the ledger lacks.

        Revisions are left to the scan: recorded by a notify pass at its own time, each is
        announced by the pass that records it, even with an index run writing meanwhile.
        """
        if not self.baseline:
            documents = [document for document in documents if not document.get("revisions")]
        keys = [(document["id"], document["content_sha256"]) for document in documents]
        unrecorded = set(_unrecorded(self.client, self.indices, keys))
        fresh = [document for document in documents if document["id"] in unrecorded]
        _record(self.client, self.indices, fresh, utc_now(), self.baseline)


def ledger_listener(client: Elasticsearch, alias: str) -> Callable[[list[dict[str, Any]]], None] | None:
    """What an index run into `alias` tells each written batch, or None when only the scan may record."""
    recorder = LedgerRecorder.for_run(client, MonitorIndices(alias))
    return recorder.record if recorder is not None else None


def _record(
    client: Elasticsearch,
    indices: MonitorIndices,
    sources: list[dict[str, Any]],
    now: datetime,
    baseline: bool,
) -> int:
    """Record the versions of `sources` (none of them recorded yet); returns how many are revisions."""
    versions = [_version_of(client, indices, source, now, baseline) for source in sources]
    return sum(version.revision for version in _create_all(client, indices, versions))


def _unrecorded(client: Elasticsearch, indices: MonitorIndices, keys: list[tuple[str, str]]) -> list[str]:
    """The report ids of those (report id, content hash) pairs whose version the ledger lacks."""
    ids = [version_id(report_id, sha) for report_id, sha in keys]
    recorded = _existing(client, indices, ids)
    return [report_id for (report_id, _), current in zip(keys, ids, strict=True) if current not in recorded]


def _read_reports(
    client: Elasticsearch, indices: MonitorIndices, report_ids: list[str]
) -> list[dict[str, Any]]:
    response = client.mget(index=indices.reports, ids=report_ids, source_includes=SOURCE_FIELDS)
    return [doc["_source"] for doc in response["docs"] if doc.get("found")]


class StoredReport(BaseModel):
    """What the ledger reads of an indexed report besides its cells."""

    id: str
    content_sha256: str
    fetched_at: datetime | None = None
    revisions: list[Revision] = []


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


def _report_count(client: Elasticsearch, indices: MonitorIndices) -> int:
    if not client.indices.exists(index=indices.reports):
        return 0
    count: int = client.count(index=indices.reports)["count"]
    return count


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
