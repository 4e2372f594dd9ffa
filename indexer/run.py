"""`govreports index`: find documents, parse and segment them on every core, bulk-write them.

Parsing and segmentation run in worker processes (each initialises jieba once),
each document under a wall-clock and a memory limit (`indexer.limits`); the parent
only sends bulk requests, so both cores of a small machine stay busy.

A job is resumable. Its journal (``<data_dir>/index-state/<job>.jsonl``) records,
after each acknowledged bulk request, which documents are done and how they
counted; just before a request it records how the request's reports will count.
If Elasticsearch goes away the writer retries, then the job stops with
`ElasticsearchUnavailable`; the same command run again skips what is done, redoes
the unacknowledged batch (same ``_id``s, so nothing doubles) and prints the counts
of the whole job, as if it had never stopped. Documents that fail to parse or that
the index refuses are listed in ``<data_dir>/failures/index-<timestamp>.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson
from elasticsearch import Elasticsearch, helpers

from crawler.state import refetch_in_full
from govreports.append_log import append_line, read_records
from govreports.archive import Archive, ArchivedDocument, DamagedObject
from govreports.errors import ElasticsearchUnavailable, GovreportsError
from govreports.lifetime import process_alive
from govreports.model import Origin, Report
from govreports.settings import get_settings
from indexer import lifecycle
from indexer.documents_es import from_document, to_document
from indexer.limits import Announce, ParseLimits, describe, run_limited
from indexer.segment import segment
from indexer.write_lock import WriteLock
from indexer.writer import (
    STORED_FIELDS,
    BatchPlan,
    IndexSummary,
    Outcome,
    Prepared,
    RetryPolicy,
    batched,
    is_ahead_of,
    plan_batch,
    refresh_paused,
    send_batch,
    with_retries,
    write_batch,
)

# Scanned reports posted as pictures, read by OCR.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
TEXT_EXTENSIONS = (".txt", ".html", ".htm", ".pdf", ".docx", ".doc", ".rtf")


def report_extensions(ocr: bool) -> tuple[str, ...]:
    """The files a folder's reports are: pictures too when OCR reads them (GOVREPORTS_OCR)."""
    return (*TEXT_EXTENSIONS, *IMAGE_EXTENSIONS) if ocr else TEXT_EXTENSIONS
SCAN_PAGE = 500
# Bulk requests in flight while a large run writes what it parsed and audited first: one per
# write thread of a one-shard index on two cores.
WRITE_REQUESTS = 2


# --- what to index --------------------------------------------------------------------


@dataclass(frozen=True)
class FileItem:
    path: Path
    fingerprint: str  # size and modification time: a file changed since it was done is done again

    @property
    def key(self) -> str:
        return str(self.path)

    def parse(self, announce: Announce) -> Report:
        from indexer.documents import detect_format, parse_bytes
        from indexer.local_pictures import with_local_pictures

        data = self.path.read_bytes()
        # The bytes decide the format (a .doc is often HTML); the id comes from the file:// URL,
        # so an edited file is a revision of the same report.
        file_format = detect_format(self.path, data)
        if file_format == "html" and get_settings().ocr:  # with the pictures saved next to it
            data = with_local_pictures(self.path, data)
        announce(data, file_format)
        origin = Origin(url=self.path.as_uri(), fetched_at=datetime.now(UTC))
        return parse_bytes(data, format=file_format, origin=origin, ocr=get_settings().ocr)


@dataclass(frozen=True)
class ArchiveItem:
    document: ArchivedDocument
    data_dir: Path

    @property
    def key(self) -> str:
        return self.document.source_url

    @property
    def fingerprint(self) -> str:
        return self.document.sha256

    def parse(self, announce: Announce) -> Report:
        from indexer.documents import parse_bytes

        document = self.document
        data = archived_bytes(self.data_dir, document.sha256)
        announce(data, document.format)
        return parse_bytes(data, format=document.format, origin=document.origin, ocr=get_settings().ocr)


WorkItem = FileItem | ArchiveItem


class JobItem(Protocol):
    """What the journal records of a document: its key, and the fingerprint it was done at."""

    @property
    def key(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class SpooledItem:
    """A document read back from the spool (`Spool`): parsed already, only its journal identity left."""

    key: str
    fingerprint: str


def archived_bytes(data_dir: Path, sha256: str) -> bytes:
    """The archived object; a damaged one is fetched again (in full) by the next crawl."""
    try:
        return Archive(data_dir).read_bytes(sha256)
    except DamagedObject:
        refetch_in_full(data_dir, sha256)
        raise


def find_files(paths: Iterable[Path]) -> list[FileItem]:
    """The report files named or contained (recursively) in `paths`, in a stable order."""
    extensions = report_extensions(get_settings().ocr)
    found: dict[Path, FileItem] = {}
    for path in paths:
        if not path.exists():
            raise GovreportsError(f"no such file or folder: {path}")
        if path.is_file() and path.suffix.lower() not in extensions:
            known = " ".join(extensions)
            raise GovreportsError(f"{path}: not a report file type govreports reads ({known})")
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for candidate in candidates:
            if candidate.suffix.lower() in extensions:
                resolved = candidate.resolve()
                stat = resolved.stat()
                found[resolved] = FileItem(resolved, f"{stat.st_size}:{stat.st_mtime_ns}")
    return list(found.values())


def archived_items(data_dir: Path) -> list[ArchiveItem]:
    return [ArchiveItem(document, data_dir) for document in Archive(data_dir).latest()]


# --- parse + segment in worker processes ----------------------------------------------


@dataclass(frozen=True)
class Result:
    item: JobItem
    prepared: Prepared | None
    error: str | None = None


def prepare(item: WorkItem, announce: Announce) -> Prepared:
    """Parse and segment one document (in a worker process)."""
    return Prepared(to_document(item.parse(announce)), source=item.key)


def _warm_up() -> None:
    segment("")  # load the dictionary once per worker, before the first document


def prepared_results(
    items: Sequence[WorkItem], workers: int, ahead: int = 0, limits: ParseLimits | None = None
) -> Iterator[Result]:
    """`prepare` over `items` on `workers` processes, each document under `limits`; results as they
    finish, not in input order, so one slow document (a scan read by OCR takes minutes) holds back
    no other. The journal records documents by key, so a resumed run neither skips nor repeats one.

    Up to `ahead` documents are prepared before they are asked for, so the workers keep
    parsing while the caller waits on a bulk request. One unreadable document (or one over
    a limit) must not stop a run of thousands: it is counted and listed in the failures
    file with its reason, whatever the parser raised.
    """
    # Spawned, not forked (see indexer.limits): a forked worker would map the parent's whole
    # heap (every work item of a 100,000-document job); a spawned one holds only what parsing needs.
    for finished in run_limited(prepare, items, limits=limits or ParseLimits(), workers=workers,
                                ahead=ahead, initializer=_warm_up, in_order=False):
        error = None if finished.error is None else describe(finished.error)
        yield Result(finished.task, finished.value, error)


# --- the journal that makes a job resumable -------------------------------------------


class Journal:
    """Append-only record of one job's progress; deleted when the job finishes."""

    def __init__(self, path: Path, job: dict[str, str]) -> None:
        self.path = path
        self.job = job
        self.done: dict[str, str] = {}
        self.summary = IndexSummary()
        # id -> how it counts, for reports of requests sent and never acknowledged.
        self.sending: dict[str, Outcome] = {}
        if path.exists():
            self._replay()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._append({"job": job})

    @property
    def done_count(self) -> int:
        return len(self.done)

    def _replay(self) -> None:
        # A torn record (a crash mid-append) is skipped: what it recorded is simply done again.
        for record in read_records(self.path, _journal_record):
            if "job" in record:
                self.job = record["job"]
            elif "sending" in record:
                self.sending.update({o["id"]: Outcome(**o) for o in record["sending"]})
            elif "done" in record:
                self.done.update(record["done"])
                for status, count in record["counts"].items():
                    setattr(self.summary, status, getattr(self.summary, status) + count)
                for report_id in record["ids"]:
                    self.sending.pop(report_id, None)

    def _append(self, record: dict[str, Any]) -> None:
        append_line(self.path, json.dumps(record, ensure_ascii=False))

    def is_done(self, item: JobItem) -> bool:
        return self.done.get(item.key) == item.fingerprint

    def remember(self, **facts: str) -> None:
        """Add facts to the job's description (the failures file, a reindex's target index)."""
        self.job = {**self.job, **facts}
        self._append({"job": self.job})

    def before_sending(self, outcomes: list[Outcome]) -> None:
        self._append({"sending": [_as_dict(outcome) for outcome in outcomes]})

    def as_planned_before(self, outcome: Outcome) -> Outcome:
        """How a report of an unacknowledged earlier request counts (it may have been written then)."""
        planned = self.sending.get(outcome.id or "")
        written_then = planned is not None and planned.content_sha256 == outcome.content_sha256
        if planned is not None and written_then and outcome.status == "unchanged":
            return replace(outcome, status=planned.status, previous_sha256=planned.previous_sha256)
        return outcome

    def record_done(self, items: Sequence[JobItem], outcomes: Sequence[Outcome]) -> None:
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            self.summary.add(outcome, keep=False)
        ids = [outcome.id for outcome in outcomes if outcome.id is not None]
        self._append({"done": {item.key: item.fingerprint for item in items}, "counts": counts, "ids": ids})
        self.done.update({item.key: item.fingerprint for item in items})
        for report_id in ids:
            self.sending.pop(report_id, None)

    def finish(self) -> None:
        self.path.unlink(missing_ok=True)


def _journal_record(line: bytes) -> dict[str, Any]:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("a journal record is a JSON object")
    return record


def _as_dict(outcome: Outcome) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in Outcome.__slots__}


def journal_for(data_dir: Path, kind: str, **identity: str) -> Journal:
    """The journal of the job `kind` with these arguments: the same command finds the same journal."""
    job = {"kind": kind, **identity}
    digest = hashlib.sha1(json.dumps(job, sort_keys=True).encode()).hexdigest()[:16]
    return Journal(data_dir / "index-state" / f"{kind}-{digest}.jsonl", job)


# --- progress and failures --------------------------------------------------------------


class Progress:
    """A counter redrawn in place on a terminal; a log line every few seconds otherwise."""

    def __init__(self, total: int, done: int, stream: TextIO = sys.stderr, doing: str = "indexing") -> None:
        self.total, self.done, self.stream, self.doing = total, done, stream, doing
        self.started = time.monotonic()
        self.counted_from = done
        self.terminal = stream.isatty()
        self.last_shown = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last_shown >= (0.2 if self.terminal else 10.0):
            self.last_shown = now
            self.show()

    def show(self) -> None:
        rate = (self.done - self.counted_from) / max(time.monotonic() - self.started, 1e-9)
        line = f"{self.doing}: {self.done}/{self.total} documents, {rate:.0f}/s"
        self.stream.write(f"\r{line}" if self.terminal else f"{line}\n")
        self.stream.flush()

    def close(self) -> None:
        self.show()
        if self.terminal:
            self.stream.write("\n")


@dataclass
class FailureLog:
    """`<data_dir>/failures/index-<timestamp>.jsonl`, created on the first failure."""

    path: Path

    def write(self, source: str | None, error: str | None, report_id: str | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"path": source, "id": report_id, "error": error, "at": datetime.now(UTC).isoformat()}
        with self.path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")


def new_failure_path(data_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return data_dir / "failures" / f"index-{stamp}.jsonl"


# --- the job --------------------------------------------------------------------------


@dataclass
class JobResult:
    """The counts of a whole job (an interrupted run included), for its one summary line."""

    summary: IndexSummary
    failures: Path | None
    resumed: int = 0
    carried_over: int = 0
    written: list[str] = field(default_factory=list)  # ids this run wrote, for the audit after it
    audited: bool = False  # audited before it wrote (`Options.audit_first`): no audit after it

    def line(self) -> str:
        text = self.summary.line()
        if self.carried_over:
            text += f"; {self.carried_over} kept from the live index (not in the archive, or newer)"
        if self.resumed:
            text += f" (resumed: {self.resumed} were done by the interrupted run)"
        if self.failures is not None:
            text += f"; failures listed in {self.failures}"
        return text


# Told each batch's documents once the index has acknowledged them (the versions ledger listens).
AfterWrite = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True)
class Options:
    batch_size: int = 500
    workers: int = 0  # 0: one per core
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: ParseLimits = field(default_factory=ParseLimits)  # each document's wall clock and memory
    # Called once the job's arguments are checked, before its first write: the listener, if any.
    listener: Callable[[], AfterWrite | None] | None = None
    # The audit across the years (audit/run.py), told the index written and the ids written
    # (None: audit everything, for a rebuilt index before its alias moves).
    audit: Callable[[str, list[str] | None], None] | None = None
    # The audit computed before a run of `audit_first_at` documents or more writes, made for the
    # index written: each report is written once, with its audit fields (not once, then again
    # by the audit after the run).
    audit_first: Callable[[str], AuditBeforeWriting] | None = None
    audit_first_at: int = field(default_factory=lambda: get_settings().index_audit_first_at)

    @property
    def processes(self) -> int:
        return self.workers or os.cpu_count() or 1


class AuditBeforeWriting(Protocol):
    """The audit across the years, computed before a large run writes (audit/run.py, `AuditFirst`):
    told every document the run will write, then asked for each one's audit fields."""

    def note(self, document: dict[str, Any]) -> None: ...

    def compute(self) -> None: ...

    def fields(self, document: dict[str, Any]) -> dict[str, Any]: ...

    def finish(self) -> None: ...


class Spool:
    """The parsed documents of a run, in a file under the data dir until the audit has computed:
    a large run holds none of them in memory. One JSON line each; deleted when closed.

    A killed run leaves its spool behind: the next run on the same machine deletes those whose
    process is gone. The data dir may be shared by several machines, so a spool is named by its
    machine and only that machine judges it."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        host = socket.gethostname()
        delete_abandoned_spools(folder, host)
        self.path = folder / f"spool-{host}-{os.getpid()}-{time.monotonic_ns()}.jsonl"
        self.file = self.path.open("w+b")

    def add(self, result: Result, prepared: Prepared) -> None:
        line = {"key": result.item.key, "fingerprint": result.item.fingerprint,
                "source": prepared.source, "document": prepared.document}
        self.file.write(orjson.dumps(line) + b"\n")

    def results(self) -> Iterator[Result]:
        self.file.flush()
        self.file.seek(0)
        for line in self.file:
            entry = orjson.loads(line)
            item = SpooledItem(entry["key"], entry["fingerprint"])
            yield Result(item, Prepared(entry["document"], source=entry["source"]))

    def close(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


def delete_abandoned_spools(folder: Path, host: str) -> None:
    """Delete the spools of `host` whose process has ended (`Spool`)."""
    for path in folder.glob(f"spool-{host}-*.jsonl"):
        pid = path.name.removeprefix(f"spool-{host}-").split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            path.unlink(missing_ok=True)


@dataclass
class _Run:
    """One job's writing: where to, its journal and failures, and what it wrote."""

    client: Elasticsearch
    index: str
    lookup_index: str
    journal: Journal
    failures: FailureLog
    options: Options
    before_batch: Callable[[], None] | None
    after_write: AfterWrite | None
    written_ids: list[str] = field(default_factory=list)

    def write(
        self,
        results: Iterable[Result],
        progress: Progress,
        fields: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        requests: int = 1,
    ) -> None:
        """Write `results` batch by batch, `requests` bulk requests in flight at most, each batch
        counted done once the index acknowledged it. With one, a batch is done before the next
        is asked for: a document is written as soon as it and its batch are parsed."""
        in_flight: deque[_Sending] = deque()
        with ThreadPoolExecutor(max_workers=requests) as sender:
            for batch in batched(results, self.options.batch_size):
                ids = {result.prepared.id for result in batch if result.prepared is not None}
                if any(ids & sending.plan.documents.keys() for sending in in_flight):
                    while in_flight:  # a report again: merged with its version once that is written
                        self._done(in_flight.popleft(), progress)
                if self.before_batch is not None:
                    self.before_batch()
                failed, plan = _plan(self.client, self.lookup_index, batch, self.journal, self.failures,
                                     self.options.retry, fields)
                reply = sender.submit(send_batch, self.client, self.index, plan, retry=self.options.retry)
                in_flight.append(_Sending(batch, failed, plan, reply))
                while len(in_flight) >= requests:
                    self._done(in_flight.popleft(), progress)
            while in_flight:
                self._done(in_flight.popleft(), progress)

    def _done(self, sending: _Sending, progress: Progress) -> None:
        """Count a batch once the index has answered its request."""
        outcomes, written = list(sending.failed), []
        for outcome in sending.reply.result():
            if outcome.status == "failed":
                self.failures.write(outcome.source, outcome.error, outcome.id)
            elif outcome.id is not None:
                written.append(sending.plan.documents[outcome.id])
            outcomes.append(outcome)
        if self.after_write is not None and written:
            # Before the batch counts as done: a run stopped here redoes it, listener included.
            with_retries(self.options.retry, partial(self.after_write, written))
        self.journal.record_done([result.item for result in sending.batch], outcomes)
        self.written_ids += [o.id for o in outcomes if o.id and o.status != "failed"]
        progress.advance(len(sending.batch))

    def audit_then_write(
        self, results: Iterable[Result], progress: Progress, audit: AuditBeforeWriting
    ) -> None:
        """Spool the parsed documents and tell the audit each one as it will be merged; then write them
        with their audit fields: each report is written once (docs/audit.md, "When it runs")."""
        spool = Spool(self.journal.path.parent)
        try:
            parsing = Progress(progress.total, progress.done, progress.stream, "parsing")
            for batch in batched(results, self.options.batch_size):
                self._spool(batch, spool, audit)
                parsing.advance(len(batch))
            parsing.close()
            audit.compute()
            # Nothing is parsed meanwhile: two requests keep both write threads of a one-shard
            # index busy, where one request would leave a core idle.
            self.write(spool.results(), progress, audit.fields, requests=WRITE_REQUESTS)
        finally:
            spool.close()
        audit.finish()

    def _spool(self, batch: list[Result], spool: Spool, audit: AuditBeforeWriting) -> None:
        failed = [result for result in batch if result.prepared is None]
        for result in failed:  # nothing to write: done now
            self.failures.write(result.item.key, result.error)
        if failed:
            outcomes = [Outcome(None, "failed", source=r.item.key, error=r.error) for r in failed]
            self.journal.record_done([result.item for result in failed], outcomes)
        parsed = [(result, result.prepared) for result in batch if result.prepared is not None]
        plan = plan_batch(self.client, self.lookup_index, [prepared for _, prepared in parsed],
                          retry=self.options.retry)
        for document in plan.documents.values():
            audit.note(document)
        for result, prepared in parsed:
            spool.add(result, prepared)


def run_job(
    client: Elasticsearch,
    *,
    index: str,
    lookup_index: str,
    items: Sequence[WorkItem],
    journal: Journal,
    data_dir: Path,
    options: Options,
    before_batch: Callable[[], None] | None = None,
) -> JobResult:
    """Index `items` into `index`, resuming `journal`; the journal is kept if Elasticsearch goes away.

    `before_batch` is called before each batch is written (a writer's lock checkpoint). A run of
    `options.audit_first_at` documents or more, given `options.audit_first`, is audited before it
    is written (`_Run.audit_then_write`); a smaller one writes each document as soon as it is parsed.
    """
    if "failures" not in journal.job:
        journal.remember(failures=str(new_failure_path(data_dir)))
    failures = FailureLog(Path(journal.job["failures"]))
    todo = [item for item in items if not journal.is_done(item)]
    after_write = options.listener() if options.listener is not None else None
    progress = Progress(total=len(items), done=len(items) - len(todo))
    job = _Run(client, index, lookup_index, journal, failures, options, before_batch, after_write)
    audit_first: Callable[[str], AuditBeforeWriting] | None = (
        options.audit_first if len(todo) >= options.audit_first_at else None
    )
    try:
        # Two batches ahead: the next batch is parsed while this one is written.
        prepared = prepared_results(todo, options.processes, ahead=2 * options.batch_size,
                                    limits=options.limits)
        if audit_first is not None:
            job.audit_then_write(prepared, progress, audit_first(index))
        else:
            job.write(prepared, progress)
    except ElasticsearchUnavailable as error:
        progress.close()
        raise ElasticsearchUnavailable(
            f"{error}. {journal.done_count} of {len(items)} documents are indexed; "
            f"run the same command again to finish (progress is kept in {journal.path})"
        ) from error
    progress.close()
    listed = failures.path if failures.path.exists() else None
    return JobResult(journal.summary, listed, resumed=len(items) - len(todo), written=job.written_ids,
                     audited=audit_first is not None)


@dataclass(frozen=True)
class _Sending:
    """A batch on its way: the documents that failed to parse, the rest's plan, and the request."""

    batch: list[Result]
    failed: list[Outcome]
    plan: BatchPlan
    reply: Future[list[Outcome]]


def _plan(
    client: Elasticsearch,
    lookup_index: str,
    results: list[Result],
    journal: Journal,
    failures: FailureLog,
    retry: RetryPolicy,
    fields: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> tuple[list[Outcome], BatchPlan]:
    """The batch's failed documents, and the plan writing the rest (each document with its
    `fields` when given), recorded in the journal before it is sent."""
    failed: list[Outcome] = []
    for result in results:
        if result.prepared is None:
            failures.write(result.item.key, result.error)
            failed.append(Outcome(None, "failed", source=result.item.key, error=result.error))
    prepared = [result.prepared for result in results if result.prepared is not None]
    plan = plan_batch(client, lookup_index, prepared, retry=retry)
    plan = replace(plan, outcomes=[journal.as_planned_before(outcome) for outcome in plan.outcomes])
    if fields is not None:
        for document in plan.documents.values():
            document.update(fields(document))
    journal.before_sending(plan.outcomes)
    return failed, plan


def live_documents_ahead_of(client: Elasticsearch, alias: str, new_index: str) -> Iterator[Prepared]:
    """Documents of the live index that the new one lacks or holds an older version of (`is_ahead_of`):
    indexed from local files rather than the archive, or written since the reindex read the archive.

    They are re-segmented on the way, so a new dictionary reaches them too.
    """
    if not lifecycle.indices_behind(client, alias):
        return
    client.indices.refresh(index=alias)  # a scroll sees refreshed writes only: make it every acknowledged one
    hits = helpers.scan(client, index=alias, query={"query": {"match_all": {}}}, size=SCAN_PAGE)
    for page in batched(hits, SCAN_PAGE):
        ids = [hit["_id"] for hit in page]
        rebuilt = client.mget(index=new_index, ids=ids, source_includes=STORED_FIELDS)["docs"]
        versions = {doc["_id"]: doc["_source"] for doc in rebuilt if doc.get("found")}
        for hit in page:
            source = hit["_source"]
            if is_ahead_of(source, versions.get(hit["_id"])):
                yield Prepared(to_document(from_document(source)), source=source.get("source_url"))


def _carry_over(
    client: Elasticsearch, alias: str, target: str, options: Options, result: JobResult, failures: FailureLog
) -> list[str]:
    """Copy `live_documents_ahead_of` into `target`, each merged with the version `target` holds;
    the ids copied."""
    copied: list[str] = []
    for batch in batched(live_documents_ahead_of(client, alias, target), options.batch_size):
        for outcome in write_batch(client, target, batch, retry=options.retry):
            if outcome.status == "failed":
                failures.write(outcome.source, outcome.error, outcome.id)
                result.summary.add(outcome, keep=False)
            elif outcome.id is not None:
                result.carried_over += 1
                copied.append(outcome.id)
    return copied


# --- the three kinds of job -----------------------------------------------------------


def index_paths(
    client: Elasticsearch, alias: str, data_dir: Path, paths: Sequence[Path], options: Options
) -> JobResult:
    """Index the report files in `paths` (files or folders, recursively) into `alias`."""
    items = find_files(paths)
    named = json.dumps(sorted(str(path.resolve()) for path in paths), ensure_ascii=False)
    return index_items(client, alias, data_dir, options, items, "paths", paths=named)


def index_archive(client: Elasticsearch, alias: str, data_dir: Path, options: Options) -> JobResult:
    """Index the newest archived version of every crawled document into `alias`."""
    return index_items(client, alias, data_dir, options, archived_items(data_dir), "archive")


def index_items(
    client: Elasticsearch,
    alias: str,
    data_dir: Path,
    options: Options,
    items: Sequence[WorkItem],
    kind: str,
    **identity: str,
) -> JobResult:
    """One journaled job writing straight into the live alias (a rerun resumes it)."""
    lifecycle.ensure_index(client, alias)
    journal = journal_for(data_dir, kind, alias=alias, **identity)
    with refresh_paused(client, alias, retry=options.retry), WriteLock(client, alias).writing() as session:
        result = run_job(
            client,
            index=alias,
            lookup_index=alias,
            items=items,
            journal=journal,
            data_dir=data_dir,
            options=options,
            before_batch=partial(with_retries, options.retry, session.checkpoint),
        )
    journal.finish()
    if options.audit is not None and not result.audited:
        options.audit(alias, result.written)
    return result


def reindex(client: Elasticsearch, alias: str, data_dir: Path, options: Options) -> JobResult:
    """Build a new physical index from the archive (plus live documents it lacks), then swap the alias.

    The swap holds the write lock alone (`indexer.write_lock`), after a last copy of what
    writers wrote to the live index meanwhile: no acknowledged write is lost with the old index.
    """
    journal = journal_for(data_dir, "reindex", alias=alias)
    target = journal.job.get("target")
    if target is None or not client.indices.exists(index=target):
        if journal.done_count:  # the half-built index is gone: start again from nothing
            journal.finish()
            journal = journal_for(data_dir, "reindex", alias=alias)
        target = lifecycle.create_next_index(client, alias)
        journal.remember(target=target)
    result = run_job(
        client,
        index=target,
        lookup_index=alias,
        items=archived_items(data_dir),
        journal=journal,
        data_dir=data_dir,
        options=options,
    )
    failures = FailureLog(Path(journal.job["failures"]))
    copied = _carry_over(client, alias, target, options, result, failures)  # the bulk, while writers write
    if options.audit is not None:
        # The rebuilt index, audited before it serves: whole, or (audited as it was written) what
        # was copied into it since.
        options.audit(target, copied if result.audited else None)
    with WriteLock(client, alias).exclusive() as lock:
        _carry_over(client, alias, target, options, result, failures)  # what they wrote meanwhile
        lock.ensure_held()
        lifecycle.swap_alias(client, alias, target)
    journal.finish()
    return replace(result, failures=failures.path if failures.path.exists() else None)
