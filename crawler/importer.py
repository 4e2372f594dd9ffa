"""Import what a crawl fetches: parse each new or changed document and hand it to a sink.

Documents are imported as the Scrapy part hands them over (`ImportStream`), from the
archive (the bytes were stored before anything could fail), each parsed in a worker
process under the parse limits (`indexer.limits`, one pool for the whole crawl). The
reports go to the sink in small batches, so a site still being fetched (or hanging)
delays no other site's reports. A document that will not parse, or that goes over a
limit, is reported and kept in the archive; it never stops the others. A sink that
refuses a report leaves it undelivered, so the next crawl hands it on again.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Literal, Protocol

from crawler.items import FetchedDocument, FetchFailure
from crawler.sinks import Sink
from crawler.sites import Site
from crawler.state import StateStore
from govreports.archive import Archive, DamagedObject
from govreports.errors import GovreportsError
from govreports.model import Format, Origin, Report
from govreports.settings import get_settings
from indexer.limits import Announce, Finished, ParseLimits, ParseStopped, TaskFeed, run_limited

Status = Literal["new", "revised", "unchanged", "failed"]
# Reports written to the sink together: one bulk request, and a report waits at most FLUSH_SECONDS.
BATCH_REPORTS = 100
FLUSH_SECONDS = 2.0


class Parser(Protocol):
    """`indexer.documents.parse_bytes`, or any module-level function with its signature."""

    def __call__(self, data: bytes, *, format: Format, origin: Origin, ocr: bool) -> Report: ...


@dataclass(frozen=True)
class Outcome:
    site: str
    url: str  # the document's source URL (after redirects)
    status: Status
    report_id: str | None = None


@dataclass
class ImportResult:
    outcomes: list[Outcome] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # When each site's last document was settled (`time.monotonic()`): its import's end.
    settled_at: dict[str, float] = field(default_factory=dict)

    def settle(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.settled_at[outcome.site] = time.monotonic()


def default_parser() -> Parser:
    from indexer.documents import parse_bytes

    return parse_bytes


def import_documents(
    documents: Sequence[FetchedDocument],
    sites: dict[str, Site],
    *,
    state: StateStore,
    archive: Archive,
    sink: Sink,
    parse: Parser,
    limits: ParseLimits | None = None,
    deadline: float | None = None,
) -> ImportResult:
    """Parse the new and changed `documents` (in worker processes, each under `limits`) and write them.

    `parse` runs in the workers, so it must be a module-level function. Documents not
    started by `deadline` (a `time.monotonic()` value) are left for the next crawl.
    """
    stream = ImportStream(sites, state=state, archive=archive, sink=sink, parse=parse,
                          limits=limits or ParseLimits(), deadline=deadline)
    for document in documents:
        stream.add(document)
    return stream.finish()


class ImportStream:
    """Documents in as they are fetched (`add`), reports out to the sink as they are parsed (`collect`).

    One thread (the caller's) adds, collects and finishes: the crawl state and the sink are
    used only there. A thread of its own waits on the parse pool's results.
    """

    def __init__(self, sites: dict[str, Site], *, state: StateStore, archive: Archive, sink: Sink,
                 parse: Parser, limits: ParseLimits, deadline: float | None,
                 workers: int | None = None) -> None:
        self.state, self.sink = state, sink
        state.load(sites)  # what each sink received of these sites, in one read
        self.result = ImportResult()
        self._feed: TaskFeed[FetchedDocument] = TaskFeed()
        self._statuses: list[Status] = []  # of the fed documents, in order
        self._parsed: queue.Queue[Finished[FetchedDocument, Report] | None] = queue.Queue()
        self._pending: list[tuple[FetchedDocument, Status, Report]] = []
        self._received = 0
        self._oldest: float | None = None  # when the oldest report not yet written was parsed
        self._done = False
        job = partial(parse_archived, parse=parse, archive=archive, sites=sites)
        results = run_limited(job, self._feed, limits=limits, workers=workers or os.cpu_count() or 1,
                              deadline=deadline)
        self._pool_error: str | None = None
        self._waiter = threading.Thread(target=self._wait, args=(results,), name="import-results",
                                        daemon=True)
        self._waiter.start()

    def _wait(self, results: Iterator[Finished[FetchedDocument, Report]]) -> None:
        try:
            for finished in results:
                self._parsed.put(finished)
        except Exception as error:  # the pool itself failed: what it did not parse waits for the next crawl
            self._pool_error = f"parsing stopped: {type(error).__name__}: {error}"
        finally:
            self._parsed.put(None)

    def add(self, document: FetchedDocument) -> None:
        """A fetched document: unchanged for this sink, or queued for a parse worker."""
        delivered = self.state.delivered(document.url, self.sink.key)
        if delivered == document.sha256:
            self.result.settle(Outcome(document.site, document.source_url, "unchanged"))
            return
        self._statuses.append("new" if delivered is None else "revised")
        self._feed.put(document)

    def collect(self, *, wait: float = 0.0) -> None:
        """Take the parsed documents (waiting up to `wait` s for one); write a batch when one is due."""
        try:
            finished = self._parsed.get(timeout=wait) if wait > 0 else self._parsed.get_nowait()
            while True:
                self._take(finished)
                finished = self._parsed.get_nowait()
        except queue.Empty:
            pass
        due = self._oldest is not None and time.monotonic() - self._oldest >= FLUSH_SECONDS
        if len(self._pending) >= BATCH_REPORTS or due or (self._done and self._pending):
            self._write_pending()

    def finish(self) -> ImportResult:
        """No more documents: parse and write the ones queued, then say what came of them all."""
        self._feed.close()
        while not self._done:
            self.collect(wait=0.1)
        self._waiter.join()
        self.collect()
        return self.result

    def _take(self, finished: Finished[FetchedDocument, Report] | None) -> None:
        if finished is None:  # the results are all in, or the pool failed
            self._done = True
            if self._pool_error is not None:
                self.result.errors.append(self._pool_error)
            return
        status = self._statuses[self._received]
        self._received += 1
        if finished.value is None:
            _not_parsed(finished.task, finished.error, self.state, self.sink, self.result)
            return
        self._pending.append((finished.task, status, finished.value))
        self._oldest = self._oldest or time.monotonic()

    def _write_pending(self) -> None:
        pending, self._pending, self._oldest = self._pending, [], None
        refused = _write(self.sink, [report for _, _, report in pending], self.result)
        for document, status, report in pending:
            url = document.source_url
            if report.id in refused:
                self.result.failures.append(FetchFailure(document.site, url, "index", refused[report.id]))
                self.result.settle(Outcome(document.site, url, "failed", report.id))
            else:
                self.state.mark_delivered(document.url, sink=self.sink.key, sha256=document.sha256, at=_now(),
                                          site=document.site)
                self.result.settle(Outcome(document.site, url, status, report.id))


def parse_archived(document: FetchedDocument, announce: Announce, *, parse: Parser, archive: Archive,
                   sites: dict[str, Site]) -> Report:
    """One archived document's report (run in a parsing worker)."""
    data = archive.read_bytes(document.sha256)
    announce(data, document.format)
    site = sites[document.site]
    report = parse(data, format=document.format, origin=document.origin(site), ocr=get_settings().ocr)
    if document.first_seen_at is not None:
        report = report.model_copy(update={"first_seen_at": document.first_seen_at})
    return report


def _not_parsed(document: FetchedDocument, error: Exception | None, state: StateStore, sink: Sink,
                result: ImportResult) -> None:
    """Report a document that gave no report; whether the next crawl tries it again depends on why."""
    site, url = document.site, document.source_url
    result.settle(Outcome(site, url, "failed"))
    if isinstance(error, DamagedObject):
        # Not delivered: the next crawl fetches it again (unconditionally) and imports it then.
        state.forget_validators_of(document.sha256)
        result.failures.append(FetchFailure(site, url, "document", str(error)))
        return
    # Any parser error is this document's failure, not the crawl's.
    reason = " ".join(str(error).split()) or type(error).__name__
    result.failures.append(FetchFailure(site, url, "parse", reason))
    if not (isinstance(error, ParseStopped) and error.reason == "deadline"):
        # Kept in the archive for a better parser; not retried on every crawl. (One left
        # unparsed when the crawl's time was up is parsed by the next crawl.)
        state.mark_delivered(document.url, sink=sink.key, sha256=document.sha256, at=_now(), site=site)


def _write(sink: Sink, reports: list[Report], result: ImportResult) -> dict[str, str]:
    if not reports:
        return {}
    try:
        return sink.write(reports)
    except GovreportsError as error:
        # The whole batch stays undelivered: the next crawl hands it on again.
        result.errors.append(str(error))
        return {report.id: str(error) for report in reports}


def _now() -> datetime:
    return datetime.now(UTC)
