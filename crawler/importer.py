"""Import what a crawl fetched: parse each new or changed document and hand it to a sink.

Runs after the Scrapy part, from the archive (the bytes were stored before anything
could fail), each document parsed in a worker process under the parse limits
(`indexer.limits`). A document that will not parse, or that goes over a limit, is
reported and kept in the archive; it never stops the others. A sink that refuses a report leaves
it undelivered, so the next crawl hands it on again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Literal, Protocol

from crawler.items import FetchedDocument, FetchFailure
from crawler.sinks import Sink
from crawler.sites import Site
from crawler.state import CrawlState
from govreports.archive import Archive, DamagedObject
from govreports.errors import GovreportsError
from govreports.model import Format, Level, Provenance, Region, Report
from govreports.settings import get_settings
from indexer.limits import Announce, ParseLimits, ParseStopped, run_limited

Status = Literal["new", "revised", "unchanged", "failed"]


class Parser(Protocol):
    """`indexer.documents.parse_bytes`, or any module-level function with its signature."""

    def __call__(
        self,
        data: bytes,
        *,
        format: Format,
        source_url: str,
        source_site: str | None,
        region: Region,
        level: Level | None,
        fetched_at: datetime,
        provenance: Provenance | None,
        ocr: bool,
    ) -> Report: ...


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


def default_parser() -> Parser:
    from indexer.documents import parse_bytes

    return parse_bytes


def import_documents(
    documents: Sequence[FetchedDocument],
    sites: dict[str, Site],
    *,
    state: CrawlState,
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
    result = ImportResult()
    to_parse: list[tuple[FetchedDocument, Status]] = []
    for document in documents:
        delivered = state.delivered(document.url, sink.key)
        if delivered == document.sha256:
            result.outcomes.append(Outcome(document.site, document.source_url, "unchanged"))
            continue
        to_parse.append((document, "new" if delivered is None else "revised"))
    job = partial(parse_archived, parse=parse, archive=archive, sites=sites)
    parsed = run_limited(job, [document for document, _ in to_parse], limits=limits or ParseLimits(),
                         workers=os.cpu_count() or 1, deadline=deadline)
    pending: list[tuple[FetchedDocument, Status, Report]] = []
    for (document, status), finished in zip(to_parse, parsed, strict=True):
        if finished.value is None:
            _not_parsed(document, finished.error, state, sink, result)
        else:
            pending.append((document, status, finished.value))
    refused = _write(sink, [report for _, _, report in pending], result)
    for document, status, report in pending:
        url = document.source_url
        if report.id in refused:
            result.failures.append(FetchFailure(document.site, url, "index", refused[report.id]))
            result.outcomes.append(Outcome(document.site, url, "failed", report.id))
        else:
            state.mark_delivered(document.url, sink=sink.key, sha256=document.sha256, at=_now())
            result.outcomes.append(Outcome(document.site, url, status, report.id))
    return result


def parse_archived(document: FetchedDocument, announce: Announce, *, parse: Parser, archive: Archive,
                   sites: dict[str, Site]) -> Report:
    """One archived document's report (run in a parsing worker)."""
    data = archive.read_bytes(document.sha256)
    announce(data, document.format)
    site = sites[document.site]
    report = parse(
        data,
        format=document.format,
        source_url=document.source_url,
        source_site=site.name,
        region=site.region,
        level=site.level,
        fetched_at=document.fetched_at,
        provenance=document.provenance,
        ocr=get_settings().ocr,
    )
    if document.first_seen_at is not None:
        report = report.model_copy(update={"first_seen_at": document.first_seen_at})
    return report


def _not_parsed(document: FetchedDocument, error: Exception | None, state: CrawlState, sink: Sink,
                result: ImportResult) -> None:
    """Report a document that gave no report; whether the next crawl tries it again depends on why."""
    site, url = document.site, document.source_url
    result.outcomes.append(Outcome(site, url, "failed"))
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
        state.mark_delivered(document.url, sink=sink.key, sha256=document.sha256, at=_now())


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
