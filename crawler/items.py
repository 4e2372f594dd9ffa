"""What the spider yields: fetched documents, stub pages and failures. No parsing here.

The Scrapy part of a crawl only fetches; `crawler.importer` parses what it fetched
afterwards (scrape to files, then import), so a parser bug never stops a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from govreports.model import Format, Origin, Provenance

if TYPE_CHECKING:
    from crawler.sites import Site

FailureKind = Literal["listing", "document", "robots", "parse", "index"]


@dataclass
class FetchedDocument:
    """A report document (page or attachment) as fetched; `body` is None when the server said 304."""

    site: str
    url: str  # as requested: the key of the crawl state
    format: Format
    fetched_at: datetime
    provenance: Provenance
    # A report page with the pictures its article shows is a page bundle (indexer.extract.page_images).
    body: bytes | None = None
    # True when the server answered 304 to a conditional request: unchanged, no body.
    not_modified: bool = False
    # Filled by the pipelines (or from the crawl state after a 304): the bytes' hash and
    # when this URL was first seen. Whether it is new, revised or unchanged is decided on
    # import, against what the destination already holds.
    sha256: str = ""
    first_seen_at: datetime | None = None

    @property
    def source_url(self) -> str:
        """The canonical address of the report: where the redirects ended."""
        return self.provenance.final_url or self.url

    def origin(self, site: Site) -> Origin:
        """Where the document came from: its address, and the portal's name, region and level."""
        return Origin(url=self.source_url, site=site.name, region=site.region, level=site.level,
                      fetched_at=self.fetched_at, provenance=self.provenance)  # fmt: skip


@dataclass
class StubPage:
    """A detail page that only links to its report's attachment: remembered so a 304 can follow it."""

    site: str
    url: str
    attachments: list[str]
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchFailure:
    site: str
    url: str
    kind: FailureKind
    reason: str
    listing_title: str | None = None


@dataclass
class EncodingProblem:
    """A page whose bytes are not valid in the encoding it declares (decoded with replacement)."""

    site: str
    url: str
    encoding: str
