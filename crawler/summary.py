"""What a crawl did, per site and in all: pages, reports new/revised/unchanged/failed, problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from crawler.fetch import FetchResult
from crawler.importer import ImportResult, Outcome
from crawler.items import FailureKind
from crawler.sites import Site

# Failures that mean a report was not obtained (robots.txt and listing problems are reported apart).
REPORT_FAILURES: frozenset[FailureKind] = frozenset({"document", "parse", "index"})
# Problems printed one per line; the rest are counted (the summary object keeps them all).
MAX_LISTED = 30


class Problem(BaseModel):
    site: str
    url: str
    kind: FailureKind | Literal["encoding"]
    reason: str
    title: str | None = None  # the listing's words for a report link that failed


class DocumentOutcome(BaseModel):
    site: str
    url: str
    status: Literal["new", "revised", "unchanged", "failed"]
    report_id: str | None = None


class SiteSummary(BaseModel):
    name: str
    pages: int = 0
    report_links: int = 0  # reports found on its listings
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None
    seconds: float = 0.0  # from the crawl's start to the site's last page or import

    def line(self) -> str:
        problem = f" — {self.error}" if self.error else ""
        return (f"  {self.name}: {self.report_links} found, {self.new} new, {self.revised} revised, "
                f"{self.unchanged} unchanged, {self.failed} failed, {self.pages} pages "
                f"in {self.seconds:.1f} s{problem}")


class CrawlSummary(BaseModel):
    pages_fetched: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_by_robots: int = 0
    seconds: float = 0.0
    fetch_seconds: float = 0.0  # Scrapy's run in its child process, start-up included
    sites: list[SiteSummary] = Field(default_factory=list)
    documents: list[DocumentOutcome] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    # Whole-crawl or whole-site errors: a portal with no reports, an index that stopped answering.
    errors: list[str] = Field(default_factory=list)
    index: dict[str, int] | None = None

    def urls(self, *statuses: str) -> set[str]:
        """Source URLs of the documents with any of `statuses` (all when none given)."""
        return {document.url for document in self.documents if not statuses or document.status in statuses}

    def lines(self) -> list[str]:
        """The human summary `govreports crawl` prints."""
        lines = [
            f"pages fetched: {self.pages_fetched} in {self.seconds:.1f} s",
            f"reports: {self.new} new, {self.revised} revised, {self.unchanged} unchanged, "
            f"{self.failed} failed",
        ]
        if self.skipped_by_robots:
            lines.append(f"skipped (robots.txt): {self.skipped_by_robots}")
        if self.index is not None:
            lines.append("index: " + ", ".join(f"{value} {key}" for key, value in self.index.items()))
        if len(self.sites) > 1:
            lines += ["sites:", *(site.line() for site in self.sites)]
        lines += [f"  {item.kind}: {item.url}: {item.reason}" for item in self.problems[:MAX_LISTED]]
        if len(self.problems) > MAX_LISTED:
            lines.append(f"  … and {len(self.problems) - MAX_LISTED} more problems")
        return lines


def summarize(
    sites: Sequence[Site], fetched: FetchResult, imported: ImportResult, *, seconds: float,
    index: dict[str, int] | None = None, site_seconds: Mapping[str, float] | None = None,
) -> CrawlSummary:
    failures = fetched.failures + imported.failures
    documents = [_document(outcome) for outcome in imported.outcomes]
    # A report fetched but refused by the parser or index counts once, as failed.
    failed_reports = [failure for failure in failures if failure.kind in REPORT_FAILURES]
    statuses = Counter(document.status for document in documents if document.status != "failed")
    problems = [Problem(site=f.site, url=f.url, kind=f.kind, reason=f.reason, title=f.listing_title)
                for f in failures]
    problems += [
        Problem(site=p.site, url=p.url, kind="encoding", reason=_encoding_reason(p.encoding))
        for p in fetched.encoding_problems
    ]
    # Counted once for all sites: a national crawl has thousands of sites and tens of thousands of reports.
    by_site: Counter[tuple[str, str]] = Counter((document.site, document.status) for document in documents)
    failed_by_site = Counter(failure.site for failure in failed_reports)
    durations = site_seconds or {}
    site_summaries = [
        _site_summary(site, fetched, by_site, failed_by_site[site.name], durations.get(site.name, 0.0))
        for site in sites
    ]
    return CrawlSummary(
        pages_fetched=sum(fetched.pages.values()),
        new=statuses["new"],
        revised=statuses["revised"],
        unchanged=statuses["unchanged"],
        failed=len(failed_reports),
        skipped_by_robots=sum(1 for failure in failures if failure.kind == "robots"),
        seconds=seconds,
        fetch_seconds=fetched.seconds,
        sites=site_summaries,
        documents=documents,
        problems=problems,
        errors=[f"site {s.name}: {s.error}" for s in site_summaries if s.error] + imported.errors,
        index=index,
    )


def _encoding_reason(encoding: str) -> str:
    return f"bytes invalid in {encoding}, decoded with replacement characters"


def _document(outcome: Outcome) -> DocumentOutcome:
    return DocumentOutcome(
        site=outcome.site, url=outcome.url, status=outcome.status, report_id=outcome.report_id
    )


def _site_summary(site: Site, fetched: FetchResult, statuses: Counter[tuple[str, str]], failed: int,
                  seconds: float) -> SiteSummary:
    links = fetched.report_links[site.name]
    error = None
    if links == 0 and not site.expect_empty:
        # openstates' rule: a portal that yields nothing is broken unless it is known to be empty.
        error = "no report found (set expect_empty = true if the portal has none)"
    return SiteSummary(
        name=site.name,
        pages=fetched.pages[site.name],
        report_links=links,
        new=statuses[site.name, "new"],
        revised=statuses[site.name, "revised"],
        unchanged=statuses[site.name, "unchanged"],
        failed=failed,
        error=error,
        seconds=seconds,
    )
