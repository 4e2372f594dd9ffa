"""Item pipelines, thin: keep the bytes, then remember what was fetched. No parsing here.

Order matters: `ArchivePipeline` stores a document's bytes (content-addressed) before
anything else can go wrong, then `StatePipeline` records its validators and hash (for
the next crawl's conditional requests) and when the URL was first seen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.items import FetchedDocument, StubPage
from crawler.middlewares import crawl_state_of
from govreports.archive import Archive, ArchivedDocument

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.spider import ReportSpider


def _data_dir(crawler: Crawler) -> Path:
    return Path(crawler.settings["GOVREPORTS_DATA_DIR"])


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive = Archive(_data_dir(crawler))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedDocument) or item.body is None:
            return item
        spider: ReportSpider = self.crawler.spider  # type: ignore[assignment]
        site = spider.sites[item.site]
        item.sha256 = self.archive.put_bytes(item.body)
        self.archive.record(ArchivedDocument.of(item.sha256, item.format, item.origin(site)))
        # The bytes are safe on disk; the crawl carries on with the hash only.
        item.body = None
        return item


class StatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.state = crawl_state_of(crawler)  # closed with the spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, StubPage):
            self.state.remember_stub(
                item.url,
                site=item.site,
                attachments=item.attachments,
                etag=item.etag,
                last_modified=item.last_modified,
                fetched_at=item.fetched_at,
            )
        elif isinstance(item, FetchedDocument) and not item.not_modified:
            item.first_seen_at = self.state.remember_document(
                item.url,
                site=item.site,
                sha256=item.sha256,
                format=item.format,
                etag=item.provenance.etag,
                last_modified=item.provenance.last_modified,
                fetched_at=item.fetched_at,
            )
        return item
