"""The audit's Elasticsearch edge: reading reports, and its own indices beside them.

`<alias>-offices` (one document per office: /api/offices), `<alias>-findings` (one per finding:
/api/audit) and `<alias>-ledger` (per audited report: its office, year, day and sentence keys,
which the incremental audit searches for candidates and counts sentences in; plus one
`state` document holding the sentence counts the last audit knew of). Each has a strict
mapping in ``mappings/govreports-<kind>.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any, Literal

from elasticsearch import Elasticsearch, NotFoundError, helpers

from audit.deadlines import china_date
from audit.facts import NARRATIVE_FIELDS, SOURCE_FIELDS, ReportFacts, from_source, narrative_of
from govreports.errors import GovreportsError
from govreports.es_client import create_index
from monitor.indices import MonitorIndices
from monitor.scan import chunks, scan_hits

__all__ = ["chunks"]  # the audit batches with the monitor's helper

Kind = Literal["offices", "findings", "ledger"]
KINDS: tuple[Kind, ...] = ("offices", "findings", "ledger")
PAGE = 2000
MGET_BATCH = 1000
BULK_BATCH = 1000
# More report updates than this are a heavy write (`update_reports`).
HEAVY_WRITES = 5000
WRITE_REQUESTS = 2
REFRESH_WHILE_WRITING = "60s"
STATE_ID = "state"
# Ledger documents `pending:<report id>`: a report a crawl wrote, for the next audit to look at.
PENDING_PREFIX = "pending:"
BY_ID = [{"id": "asc"}]


class AuditWriteFailed(GovreportsError):
    """Elasticsearch refused some of the audit's writes."""


@dataclass(frozen=True)
class AuditIndices:
    """Index names derived from the report alias, as the monitor's are."""

    alias: str

    def name(self, kind: Kind) -> str:
        return f"{self.alias}-{kind}"

    @property
    def offices(self) -> str:
        return self.name("offices")

    @property
    def findings(self) -> str:
        return self.name("findings")

    @property
    def ledger(self) -> str:
        return self.name("ledger")


def index_definition(kind: Kind) -> dict[str, Any]:
    text = resources.files("mappings").joinpath(f"govreports-{kind}.json").read_text(encoding="utf-8")
    definition: dict[str, Any] = json.loads(text)
    return definition


def ensure_indices(client: Elasticsearch, indices: AuditIndices) -> None:
    for kind in KINDS:
        name = indices.name(kind)
        if not client.indices.exists(index=name):
            create_index(client, name, index_definition(kind))


# --- reports ---------------------------------------------------------------------------------


def scan_reports(client: Elasticsearch, index: str, query: dict[str, Any]) -> Iterator[ReportFacts]:
    for hit in scan_hits(client, index, query, BY_ID, SOURCE_FIELDS, PAGE):
        yield from_source(hit["_source"])


def reports_by_ids(client: Elasticsearch, index: str, ids: Iterable[str]) -> list[ReportFacts]:
    found = []
    for batch in chunks(sorted(set(ids)), MGET_BATCH):
        response = client.mget(index=index, ids=batch, source_includes=SOURCE_FIELDS)
        found += [from_source(doc["_source"]) for doc in response["docs"] if doc.get("found")]
    return found


def scan_reports_with_narratives(
    client: Elasticsearch, index: str
) -> Iterator[tuple[ReportFacts, list[str]]]:
    """Every report's facts and narrative, in one pass; the next page is asked for while this one
    is read, so Elasticsearch works on the other core meanwhile."""
    for page in _pages_read_ahead(client, index, [*SOURCE_FIELDS, *NARRATIVE_FIELDS]):
        for hit in page:
            yield from_source(hit["_source"]), narrative_of(hit["_source"])


def _page(
    client: Elasticsearch, index: str, fields: list[str], after: list[Any] | None
) -> list[dict[str, Any]]:
    response = client.search(
        index=index,
        query={"match_all": {}},
        sort=BY_ID,
        size=PAGE,
        track_total_hits=False,
        source_includes=fields,
        search_after=after,
    )
    hits: list[dict[str, Any]] = response["hits"]["hits"]
    return hits


def _pages_read_ahead(client: Elasticsearch, index: str, fields: list[str]) -> Iterator[list[dict[str, Any]]]:
    with ThreadPoolExecutor(max_workers=1) as reader:
        upcoming = reader.submit(_page, client, index, fields, None)
        while True:
            page = upcoming.result()
            if len(page) == PAGE:
                upcoming = reader.submit(_page, client, index, fields, page[-1]["sort"])
            yield page
            if len(page) < PAGE:
                return


def reports_with_narratives_by_ids(
    client: Elasticsearch, index: str, ids: Iterable[str]
) -> Iterator[tuple[ReportFacts, list[str]]]:
    fields = [*SOURCE_FIELDS, *NARRATIVE_FIELDS]
    for batch in chunks(sorted(set(ids)), MGET_BATCH):
        response = client.mget(index=index, ids=batch, source_includes=fields)
        for doc in response["docs"]:
            if doc.get("found"):
                yield from_source(doc["_source"]), narrative_of(doc["_source"])


def narratives_by_ids(client: Elasticsearch, index: str, ids: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for batch in chunks(sorted(set(ids)), MGET_BATCH):
        response = client.mget(index=index, ids=batch, source_includes=NARRATIVE_FIELDS)
        for doc in response["docs"]:
            if doc.get("found"):
                found[doc["_id"]] = narrative_of(doc["_source"])
    return found


def unaudited_ids(client: Elasticsearch, index: str) -> set[str]:
    """Reports no audit has looked at yet (every audit gives each report a timeliness)."""
    query = {"bool": {"must_not": [{"exists": {"field": "timeliness.status"}}]}}
    return {hit["_id"] for hit in scan_hits(client, index, query, BY_ID, [], PAGE)}


def ids_pointing_at(client: Elasticsearch, index: str, ids: Sequence[str]) -> set[str]:
    """Reports whose nearest or previous match is one of `ids`."""
    found: set[str] = set()
    for batch in chunks(ids, 10_000):
        query = {
            "bool": {
                "should": [
                    {"terms": {"reuse.nearest_report_id": batch}},
                    {"terms": {"reuse.previous_report_id": batch}},
                ]
            }
        }
        found.update(hit["_id"] for hit in scan_hits(client, index, query, BY_ID, [], PAGE))
    return found


def reports_of_offices(client: Elasticsearch, index: str, offices: Sequence[str]) -> list[ReportFacts]:
    found: list[ReportFacts] = []
    for batch in chunks(offices, 10_000):
        found += scan_reports(client, index, {"terms": {"office_id": batch}})
    return found


# --- writing -----------------------------------------------------------------------------------


def bulk(client: Elasticsearch, actions: Iterable[dict[str, Any]], *, requests: int = 1) -> int:
    """Send `actions` (bulk action dicts) in batches, `requests` at a time; a refused one fails the
    audit, a missing document to delete is fine. Returns how many were sent."""
    sent, refused = 0, []
    results = (
        helpers.streaming_bulk(
            client, actions, chunk_size=BULK_BATCH, raise_on_error=False, raise_on_exception=True
        )
        if requests == 1
        else helpers.parallel_bulk(
            client,
            actions,
            thread_count=requests,
            chunk_size=BULK_BATCH,
            raise_on_error=False,
            raise_on_exception=True,
        )
    )
    for ok, item in results:
        sent += 1
        if not ok and _status(item) != 404:
            refused.append(item)
    if refused:
        raise AuditWriteFailed(f"Elasticsearch refused {len(refused)} audit writes, e.g. {refused[0]}")
    return sent


def update_reports(client: Elasticsearch, index: str, actions: Iterable[dict[str, Any]], count: int) -> int:
    """Write the reports' audit fields. Many at once (a first audit updates every report, and
    Elasticsearch re-indexes each whole document) go two requests at a time, one per write
    thread of a single shard, with the index refreshed every minute instead of every second, so
    it makes a few large segments rather than many small ones to merge again. `count`: how many
    `actions` come (made as they are sent, not held at once)."""
    if count < HEAVY_WRITES:
        return bulk(client, actions)
    with _refreshed_rarely(client, index):
        return bulk(client, actions, requests=WRITE_REQUESTS)


@contextmanager
def _refreshed_rarely(client: Elasticsearch, index: str) -> Iterator[None]:
    """The index refreshed every REFRESH_WHILE_WRITING for the block (not never: a process killed
    meanwhile leaves an index that still shows its writes), then as before."""
    # With the defaults, every index behind `index` answers, the ones with no interval set too
    # (None: set back to the default afterwards).
    found = client.indices.get_settings(index=index, name="index.refresh_interval", include_defaults=True)
    before = {name: body["settings"].get("index", {}).get("refresh_interval") for name, body in found.items()}
    for name in before:
        client.indices.put_settings(
            index=name, settings={"index": {"refresh_interval": REFRESH_WHILE_WRITING}}
        )
    try:
        yield
    finally:
        for name, interval in before.items():
            client.indices.put_settings(index=name, settings={"index": {"refresh_interval": interval}})


def _status(error: dict[str, Any]) -> int:
    return int(next(iter(error.values())).get("status", 0))


def sources_in(
    client: Elasticsearch, index: str, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Every document of `index` by id (only `fields` of each, when given): a scroll, since ids
    cannot be sorted on and the order does not matter."""
    body: dict[str, Any] = {"query": {"match_all": {}}}
    if fields is not None:
        body["_source"] = fields
    return {
        hit["_id"]: hit.get("_source") or {}
        for hit in helpers.scan(client, index=index, query=body, size=PAGE)
    }


def sync_actions(
    index: str,
    wanted: dict[str, dict[str, Any]],
    existing: dict[str, dict[str, Any]],
    keep: Iterable[str] = (),
) -> Iterator[dict[str, Any]]:
    """Bulk actions making `index` hold exactly `wanted` (and the ids in `keep`): documents that differ
    are written, documents nobody wants deleted, the rest left alone."""
    for document_id, document in wanted.items():
        if existing.get(document_id) != document:
            yield {"_op_type": "index", "_index": index, "_id": document_id, "_source": document}
    for document_id in sorted(set(existing) - set(wanted) - set(keep)):
        yield {"_op_type": "delete", "_index": index, "_id": document_id}


# --- the ledger ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    report_id: str
    office_id: str | None
    year: int | None
    order: int | None
    keys: frozenset[int]

    def digest(self) -> str:
        facts = [self.office_id, self.year, self.order, sorted(self.keys)]
        return hashlib.sha1(json.dumps(facts).encode()).hexdigest()

    def document(self) -> dict[str, Any]:
        return {
            "digest": self.digest(),
            "kind": "report",
            "report_id": self.report_id,
            "office_id": self.office_id,
            "year": self.year,
            "order": self.order,
            "keys": sorted(self.keys),
        }


def _entry(source: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        source["report_id"],
        source.get("office_id"),
        source.get("year"),
        source.get("order"),
        frozenset(source.get("keys") or ()),
    )


def ledger_entries(client: Elasticsearch, indices: AuditIndices, query: dict[str, Any]) -> list[LedgerEntry]:
    scoped = {"bool": {"filter": [{"term": {"kind": "report"}}, query]}}
    hits = scan_hits(client, indices.ledger, scoped, [{"report_id": "asc"}], None, PAGE)
    return [_entry(hit["_source"]) for hit in hits]


def ledger_by_ids(client: Elasticsearch, indices: AuditIndices, ids: Iterable[str]) -> dict[str, LedgerEntry]:
    found: dict[str, LedgerEntry] = {}
    for batch in chunks(sorted(set(ids)), MGET_BATCH):
        response = client.mget(index=indices.ledger, ids=batch)
        found.update({doc["_id"]: _entry(doc["_source"]) for doc in response["docs"] if doc.get("found")})
    return found


def ledger_size(client: Elasticsearch, indices: AuditIndices) -> int:
    count: int = client.count(index=indices.ledger, query={"term": {"kind": "report"}})["count"]
    return count


def key_counts(client: Elasticsearch, indices: AuditIndices, keys: Sequence[int]) -> dict[int, int]:
    """In how many audited reports each of `keys` occurs (0 for those in none)."""
    counts = dict.fromkeys(keys, 0)
    for batch in chunks(sorted(keys), 5000):
        response = client.search(
            index=indices.ledger,
            size=0,
            query={"terms": {"keys": batch}},
            aggs={"keys": {"terms": {"field": "keys", "include": batch, "size": len(batch)}}},
        )
        counts.update(
            {
                int(bucket["key"]): bucket["doc_count"]
                for bucket in response["aggregations"]["keys"]["buckets"]
            }
        )
    return counts


@dataclass(frozen=True)
class LedgerState:
    """What the last audit counted: audited reports, and the report count of every sentence key in
    more reports than the candidate cap (the only ones whose status can change without a report
    containing them changing)."""

    reports: int
    counts: dict[int, int]
    # The day and the crawls the missing years were judged on: unchanged, only the offices a run
    # touched can have other missing years.
    missing_as_of: str = ""

    def document(self) -> dict[str, Any]:
        keys = sorted(self.counts)
        return {
            "kind": "state",
            "missing_as_of": self.missing_as_of,
            "reports": self.reports,
            "counted_keys": keys,
            "counts": [self.counts[key] for key in keys],
        }


def mark_pending(client: Elasticsearch, alias: str, report_ids: Sequence[str]) -> None:
    """Note reports just written for the next audit, whichever path runs it (a crawl's writer knows
    what it wrote; the audit after the crawl, or any later one, looks at them)."""
    if not report_ids:
        return
    indices = AuditIndices(alias)
    ensure_indices(client, indices)
    bulk(
        client,
        (
            {
                "_op_type": "index",
                "_index": indices.ledger,
                "_id": f"{PENDING_PREFIX}{report_id}",
                "_source": {"kind": "pending", "report_id": report_id},
            }
            for report_id in report_ids
        ),
    )


def pending_ids(client: Elasticsearch, indices: AuditIndices) -> set[str]:
    hits = scan_hits(client, indices.ledger, {"term": {"kind": "pending"}}, [{"report_id": "asc"}], [], PAGE)
    return {hit["_id"].removeprefix(PENDING_PREFIX) for hit in hits}


def clear_pending(client: Elasticsearch, indices: AuditIndices, report_ids: Iterable[str]) -> None:
    """Drop the marks an audit has looked at (marks written since stay for the next one)."""
    bulk(
        client,
        (
            {"_op_type": "delete", "_index": indices.ledger, "_id": f"{PENDING_PREFIX}{report_id}"}
            for report_id in sorted(report_ids)
        ),
    )


def forget_state(client: Elasticsearch, indices: AuditIndices) -> None:
    """Drop the state: until an audit writes it again, the next incremental audit is a full one."""
    client.options(ignore_status=404).delete(index=indices.ledger, id=STATE_ID)


def read_state(client: Elasticsearch, indices: AuditIndices) -> LedgerState | None:
    try:
        source = client.get(index=indices.ledger, id=STATE_ID)["_source"]
    except NotFoundError:
        return None
    counts = dict(zip(source["counted_keys"], source["counts"], strict=True))
    return LedgerState(source["reports"], counts, source.get("missing_as_of") or "")


# --- offices ---------------------------------------------------------------------------------------


def scan_offices(client: Elasticsearch, indices: AuditIndices) -> Iterator[dict[str, Any]]:
    for hit in scan_hits(client, indices.offices, {"match_all": {}}, [{"office_id": "asc"}], None, PAGE):
        yield hit["_source"]


def office_documents(
    client: Elasticsearch, indices: AuditIndices, ids: Iterable[str]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for batch in chunks(sorted(set(ids)), MGET_BATCH):
        response = client.mget(index=indices.offices, ids=batch)
        found.update({doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")})
    return found


# --- crawls: evidence of absence ------------------------------------------------------------------


def successful_crawls(client: Elasticsearch, alias: str) -> dict[str, list[date]]:
    """Per portal, the days (in China) its watch runs finished successfully, in order."""
    watch = MonitorIndices(alias).watch
    if not client.indices.exists(index=watch):
        return {}
    days: dict[str, set[date]] = {}
    query = {"term": {"status": "ok"}}
    for hit in scan_hits(
        client,
        watch,
        query,
        [{"finished_at": "asc"}, {"site": "asc"}, {"cycle_id": "asc"}],
        ["site", "finished_at"],
        PAGE,
    ):
        source = hit["_source"]
        if source.get("finished_at"):
            finished = datetime.fromisoformat(source["finished_at"].replace("Z", "+00:00"))
            days.setdefault(source["site"], set()).add(china_date(finished))
    return {site: sorted(found) for site, found in days.items()}
