"""Idempotent bulk writes of reports to Elasticsearch.

A document's ``_id`` is the report's ``id``, so writing a report again replaces it.
Before each bulk request one ``mget`` reads what the index already holds for the
batch, so that ``first_seen_at`` survives re-indexing and a changed
``content_sha256`` appends the replaced version to ``revisions``. An unchanged hash
is still written (a parser improvement lands) but counted as ``unchanged``.

Connection failures and overload answers (429/5xx) are retried with backoff for
long enough to ride out the loss of a cluster node (`RetryPolicy`); then
`ElasticsearchUnavailable` is raised and nothing of the failed batch counts as written,
so running the same job again is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal, TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError

from govreports.errors import ElasticsearchUnavailable, GovreportsError
from govreports.es_client import UNREACHABLE
from govreports.model import Report
from indexer.documents_es import to_document
from indexer.lifecycle import ensure_index, indices_behind
from indexer.write_lock import WriteLock

Status = Literal["new", "revised", "unchanged", "failed"]
# Answers that mean "busy or going away, try again", not "this document is wrong".
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# What the audit across the years wrote (docs/audit.md): a re-indexed report keeps it until the
# audit that follows every index run has looked at the report again.
AUDIT_FIELDS = ("cross_year", "timeliness", "reuse")
# What the merge needs from the stored version of a report.
STORED_FIELDS = ["first_seen_at", "content_sha256", "fetched_at", "revisions", *AUDIT_FIELDS]
T = TypeVar("T")


class IndexRequestRefused(GovreportsError):
    """Elasticsearch rejected a whole request (not one document): the index itself is wrong."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one report; `previous_sha256` is the replaced version of a revised one."""

    id: str | None
    status: Status
    content_sha256: str | None = None
    previous_sha256: str | None = None
    source: str | None = None
    error: str | None = None


@dataclass
class IndexSummary:
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return self.new + self.revised + self.unchanged

    def add(self, outcome: Outcome, *, keep: bool = True) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        if keep:
            self.outcomes.append(outcome)

    def line(self) -> str:
        return (
            f"indexed {self.indexed}: {self.new} new, {self.revised} revised, "
            f"{self.unchanged} unchanged; {self.failed} failed"
        )


@dataclass(frozen=True)
class Prepared:
    """A report in index form (``to_document``), with where it came from for error reports."""

    document: dict[str, Any]
    source: str | None = None

    @property
    def id(self) -> str:
        report_id: str = self.document["id"]
        return report_id


@dataclass(frozen=True)
class RetryPolicy:
    """How long a write keeps trying while the cluster does not take it.

    The default budget outlasts losing a node of a cluster: its closed connections tell the
    master within seconds (a hung node: three missed checks, 30 s), a replica is promoted, and
    losing the master adds an election (seconds, at worst about 30 s); meanwhile the client
    moves each request to a node that answers.
    """

    attempts: int = 20
    first_delay_s: float = 0.5
    max_delay_s: float = 8.0

    def delays(self) -> Iterator[float]:
        """The pauses between attempts: 0.5, 1, 2, 4, then 8 s by default (over two minutes in all)."""
        delay = self.first_delay_s
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(delay * 2, self.max_delay_s)


def index_reports(
    client: Elasticsearch, alias: str, reports: Iterable[Report], *, batch_size: int = 500
) -> IndexSummary:
    """Index `reports` into `alias` (created if missing); the summary counts them and lists every outcome.

    Segmentation runs in this process: callers with many reports and idle cores
    (the `govreports index` command) prepare documents in worker processes and call
    `write_batch` themselves. The writes share the write lock (`indexer.write_lock`),
    so a reindex finishing meanwhile loses none of them.
    """
    # Without its alias, a bulk write would auto-create a plain index with guessed mappings.
    ensure_index(client, alias)
    summary = IndexSummary()
    prepared = (Prepared(to_document(report), source=report.source_url) for report in reports)
    with WriteLock(client, alias).writing() as session:
        for batch in batched(prepared, batch_size):
            with_retries(RetryPolicy(), session.checkpoint)
            for outcome in write_batch(client, alias, batch):
                summary.add(outcome)
    return summary


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def write_batch(
    client: Elasticsearch,
    index: str,
    batch: Sequence[Prepared],
    *,
    lookup_index: str | None = None,
    retry: RetryPolicy = RetryPolicy(),
) -> list[Outcome]:
    """Write one batch (one mget + one bulk request) and return an outcome per document.

    `lookup_index` is where earlier versions are read from when it is not `index`
    itself (a reindex reads the live index while it fills a new one).
    """
    plan = plan_batch(client, lookup_index or index, batch, retry=retry)
    return send_batch(client, index, plan, retry=retry)


@dataclass(frozen=True)
class BatchPlan:
    """What one bulk request will write, and how each report will count once it is written."""

    documents: dict[str, dict[str, Any]]
    outcomes: list[Outcome]


def plan_batch(
    client: Elasticsearch, lookup_index: str, batch: Sequence[Prepared], *, retry: RetryPolicy = RetryPolicy()
) -> BatchPlan:
    """Merge each document with its stored version (one mget for the batch)."""
    if not batch:
        return BatchPlan({}, [])
    stored = with_retries(retry, lambda: read_stored(client, lookup_index, [p.id for p in batch]))
    documents: dict[str, dict[str, Any]] = {}
    outcomes: list[Outcome] = []
    for prepared in batch:
        # A report twice in one batch: the later copy merges against the earlier one.
        earlier = documents.get(prepared.id, stored.get(prepared.id))
        document, outcome = merge(prepared, earlier)
        documents[prepared.id] = document
        outcomes.append(outcome)
    return BatchPlan(documents, outcomes)


def send_batch(
    client: Elasticsearch, index: str, plan: BatchPlan, *, retry: RetryPolicy = RetryPolicy()
) -> list[Outcome]:
    """One bulk request for the plan; documents the index refuses become `failed` outcomes."""
    if not plan.documents:
        return []
    refused = with_retries(retry, lambda: send(client, index, plan.documents))
    return [
        replace(outcome, status="failed", previous_sha256=None, error=refused[outcome.id])
        if outcome.id in refused
        else outcome
        for outcome in plan.outcomes
    ]


def read_stored(client: Elasticsearch, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored fields of those `ids` that the index holds."""
    try:
        response = client.mget(index=index, ids=list(dict.fromkeys(ids)), source_includes=STORED_FIELDS)
    except NotFoundError:
        return {}  # no index yet: nothing stored
    return {doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")}


def merge(prepared: Prepared, stored: dict[str, Any] | None) -> tuple[dict[str, Any], Outcome]:
    """The document to write, given the stored version (if any), and how to count it."""
    document = dict(prepared.document)
    sha256 = document["content_sha256"]
    if stored is None:
        document["first_seen_at"] = document.get("first_seen_at") or document.get("fetched_at") or now_iso()
        return document, Outcome(prepared.id, "new", sha256, source=prepared.source)
    document["first_seen_at"] = stored.get("first_seen_at") or document.get("first_seen_at") or now_iso()
    for key in AUDIT_FIELDS:
        if document.get(key) is None:
            document[key] = stored.get(key)
    revisions = _union(stored.get("revisions") or [], document.get("revisions") or [])
    previous = stored.get("content_sha256")
    if previous == sha256:
        document["revisions"] = revisions
        return document, Outcome(prepared.id, "unchanged", sha256, source=prepared.source)
    replaced = {"content_sha256": previous, "fetched_at": stored.get("fetched_at")}
    document["revisions"] = _union(revisions, [replaced])
    return document, Outcome(prepared.id, "revised", sha256, previous_sha256=previous, source=prepared.source)


def is_ahead_of(live: dict[str, Any], rebuilt: dict[str, Any] | None) -> bool:
    """Whether the live index holds a version of a report that a rebuilt index lacks, so a reindex copies it.

    A rebuilt version that differs may be the newer one (archived but never indexed, it
    lists the live version among its revisions): it stays, unless the live one was fetched later.
    """
    if rebuilt is None:
        return True
    sha256 = live["content_sha256"]
    if sha256 == rebuilt["content_sha256"]:
        return False
    replaced = {revision["content_sha256"] for revision in rebuilt.get("revisions") or []}
    return sha256 not in replaced or _fetched_later(live.get("fetched_at"), rebuilt.get("fetched_at"))


def _fetched_later(first: str | None, second: str | None) -> bool:
    if first is None or second is None:
        return False
    return _aware(datetime.fromisoformat(first)) > _aware(datetime.fromisoformat(second))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _union(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Revisions of both lists, oldest first, each version once."""
    seen = {revision["content_sha256"] for revision in first}
    return first + [revision for revision in second if revision["content_sha256"] not in seen]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class _Retryable(Exception):
    """Documents the cluster refused for now (429): the whole bulk request is sent again."""


def send(client: Elasticsearch, index: str, documents: dict[str, dict[str, Any]]) -> dict[str, str]:
    """One bulk request; returns the errors of documents the index refused, by id."""
    operations: list[dict[str, Any]] = []
    for report_id, document in documents.items():
        operations += [{"index": {"_index": index, "_id": report_id}}, document]
    response = client.bulk(operations=operations)
    errors: dict[str, str] = {}
    for item in response["items"]:
        result = item["index"]
        if result["status"] in RETRYABLE_STATUSES:
            raise _Retryable(f"HTTP {result['status']}: {result.get('error')}")
        if "error" in result:
            error = result["error"]
            errors[result["_id"]] = f"{error.get('type')}: {error.get('reason')}"
    return errors


def with_retries(retry: RetryPolicy, call: Callable[[], T]) -> T:
    """`call()`, tried again after each pause of `retry` while the cluster is unreachable or busy."""
    delays = retry.delays()
    started = time.monotonic()
    while True:
        try:
            return call()
        except (*UNREACHABLE, _Retryable, ApiError) as error:
            if isinstance(error, ApiError) and error.meta.status not in RETRYABLE_STATUSES:
                raise IndexRequestRefused(f"Elasticsearch refused the request: {error}") from error
            delay = next(delays, None)
            if delay is None:
                waited = time.monotonic() - started
                raise ElasticsearchUnavailable(
                    f"Elasticsearch stopped answering while indexing ({type(error).__name__}); "
                    f"gave up after {retry.attempts} tries in {waited:.0f} s"
                ) from error
            time.sleep(delay)


# A bulk load into the live index: no refreshes while it writes (the merge reads with `mget`, which
# needs none); the index's own interval comes back after.
PAUSED_REFRESH = "-1"
RESTORE_ON_ERROR = RetryPolicy(attempts=3)


@contextmanager
def refresh_paused(
    client: Elasticsearch, alias: str, *, retry: RetryPolicy = RetryPolicy()
) -> Iterator[None]:
    """Switch refresh off on the indices behind `alias` for the block, then restore and refresh them.

    Restored on error too, unless the cluster is what failed: then the next run restores it
    (a paused interval found at the start counts as the default, never as the one to keep).
    """
    indices = indices_behind(client, alias)
    if not indices:
        yield
        return
    before = with_retries(retry, lambda: refresh_intervals(client, indices))
    with_retries(retry, lambda: set_refresh(client, dict.fromkeys(indices, PAUSED_REFRESH)))
    try:
        yield
    except BaseException:
        with suppress(ElasticsearchUnavailable, IndexRequestRefused):
            with_retries(RESTORE_ON_ERROR, lambda: set_refresh(client, before))
        raise
    with_retries(retry, lambda: set_refresh(client, before))
    with_retries(retry, lambda: client.indices.refresh(index=alias, ignore_unavailable=True))


def refresh_intervals(client: Elasticsearch, indices: list[str]) -> dict[str, str | None]:
    """Each index's own refresh interval (None: the default), a paused one taken for the default."""
    answer = client.indices.get_settings(index=indices, name="index.refresh_interval")
    intervals: dict[str, str | None] = {}
    for index in indices:
        interval = answer.body.get(index, {}).get("settings", {}).get("index", {}).get("refresh_interval")
        intervals[index] = None if interval in (None, PAUSED_REFRESH) else str(interval)
    return intervals


def set_refresh(client: Elasticsearch, intervals: dict[str, str | None]) -> None:
    for index, interval in intervals.items():
        settings = {"index": {"refresh_interval": interval}}
        # The index may be gone: a reindex that finished meanwhile replaced it.
        client.indices.put_settings(index=index, settings=settings, ignore_unavailable=True)
