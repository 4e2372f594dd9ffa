"""Import what a crawl fetched: parse each new or changed document and hand it to a sink.

Runs after the Scrapy part, in the calling process, from the archive (the bytes were
stored before anything could fail). A document that will not parse is reported and
kept in the archive; it never stops the others. A sink that refuses a report leaves
it undelivered, so the next crawl hands it on again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from crawler.items import FetchedDocument, FetchFailure
from crawler.sinks import Sink
from crawler.sites import Site
from crawler.state import CrawlState
from govreports.archive import Archive
from govreports.errors import GovreportsError
from govreports.model import Format, Level, Provenance, Region, Report

Status = Literal["new", "revised", "unchanged", "failed"]


class Parser(Protocol):
    """`indexer.documents.parse_bytes`, or anything with its signature."""

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
) -> ImportResult:
    result = ImportResult()
    pending: list[tuple[FetchedDocument, Status, Report]] = []
    for document in documents:
        delivered = state.delivered(document.url, sink.key)
        if delivered == document.sha256:
            result.outcomes.append(Outcome(document.site, document.source_url, "unchanged"))
            continue
        status: Status = "new" if delivered is None else "revised"
        report = _parse(document, sites[document.site], archive, parse, result)
        if report is None:
            # Kept in the archive for a better parser; not retried on every crawl.
            state.mark_delivered(document.url, sink=sink.key, sha256=document.sha256, at=_now())
            continue
        pending.append((document, status, report))
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


def _parse(document: FetchedDocument, site: Site, archive: Archive, parse: Parser,
           result: ImportResult) -> Report | None:
    try:
        report = parse(
            archive.read_bytes(document.sha256),
            format=document.format,
            source_url=document.source_url,
            source_site=site.name,
            region=site.region,
            level=site.level,
            fetched_at=document.fetched_at,
            provenance=document.provenance,
        )
    except Exception as error:  # any parser error is this document's failure, not the crawl's
        reason = " ".join(str(error).split()) or type(error).__name__
        result.failures.append(FetchFailure(document.site, document.source_url, "parse", reason))
        result.outcomes.append(Outcome(document.site, document.source_url, "failed"))
        return None
    if document.first_seen_at is not None:
        report = report.model_copy(update={"first_seen_at": document.first_seen_at})
    return report


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
