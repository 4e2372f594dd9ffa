"""The one generic spider: portals are data (`Site`), page knowledge is in `crawler.heuristics`.

From each start URL (a 年报 listing, or a home page to discover it from) the spider
walks listing pages — TRS script pagination, 下一页 and numbered links, the column's
sub-columns — takes the links whose titles are reports, and fetches each detail page
(conditionally when it was fetched before). A detail page that only links to an
attachment leads to the attachment. Every report yields a `FetchedDocument`; the
pipelines archive it and the importer parses it later, never the spider.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from pydantic import BaseModel, ConfigDict, Field
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.heuristics import gkmlpt, sitemap
from crawler.heuristics.documents import (
    attachment_links,
    carries_report,
    choose_attachment,
    decodes_cleanly,
    page_text,
    sniff_format,
)
from crawler.heuristics.jcms import FeedRequest, feed_requests, record_html
from crawler.heuristics.links import (
    Link,
    column_links,
    hub_links,
    listing_key,
    looks_like_listing_url,
    page_links,
)
from crawler.heuristics.pagination import pagination_urls
from crawler.heuristics.titles import is_report_title, matches_title_pattern
from crawler.items import EncodingProblem, FailureKind, FetchedDocument, FetchFailure, StubPage
from crawler.middlewares import crawl_state_of
from crawler.sites import Site
from crawler.state import Known, StateStore, conditional_headers
from crawler.state_es import SITES_PER_LOAD
from govreports.archive import Archive
from govreports.errors import GovreportsError
from govreports.model import Format, Provenance
from govreports.settings import get_settings
from indexer.extract.html import article_image_sources
from indexer.extract.page_images import MAGIC, PageImage, PageWithImages, pack
from indexer.limits import MAX_DOCUMENT_BYTES

# Home page → 政府信息公开 hub → 年报 column → sub-columns: never further from the start than this.
MAX_COLUMN_HOPS = 3


class SpiderArgs(BaseModel):
    """The spider's arguments, validated before the first request."""

    model_config = ConfigDict(extra="forbid")

    sites: list[Site] = Field(min_length=1)


@dataclass(frozen=True)
class ListingContext:
    """Where a report link was found: the listing page, its words for the link, its date."""

    url: str
    title: str
    date: str | None


@dataclass
class PagePictures:
    """A report page waiting for the pictures its article shows, fetched one after another."""

    document: FetchedDocument
    waiting: list[tuple[str, str]]  # (the address as the page writes it, the absolute URL)
    fetched: list[PageImage]
    size: int  # bytes of the page and the pictures fetched so far


class ReportSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, sites: Sequence[Site | Mapping[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        arguments = SpiderArgs.model_validate({"sites": list(sites)})
        self.sites: dict[str, Site] = {site.name: site for site in arguments.sites}
        self.allowed_domains = sorted({domain for site in arguments.sites for domain in site.domains()})
        self._titles = {site.name: _compile(site.title_pattern) for site in arguments.sites}
        self._excludes = {site.name: _compile(site.exclude_pattern) for site in arguments.sites}
        self._listings: dict[str, set[str]] = {site.name: set() for site in arguments.sites}
        self._documents: dict[str, set[str]] = {site.name: set() for site in arguments.sites}
        self.report_links: Counter[str] = Counter()
        self.state: StateStore | None = None
        self.archive: Archive | None = None
        # Pictures of tables and picture attachments are fetched only for OCR to read them.
        self.ocr = get_settings().ocr

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReportSpider:
        spider: ReportSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.state = crawl_state_of(crawler)  # closed with the spider
        spider.archive = Archive(Path(crawler.settings["GOVREPORTS_DATA_DIR"]))
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        sites = list(self.sites.values())
        for first in range(0, len(sites), SITES_PER_LOAD):
            group = sites[first:first + SITES_PER_LOAD]
            if self.state is not None:
                # What is known of these sites comes in one read as their crawl starts, off the reactor.
                await asyncio.to_thread(self.state.load, [site.name for site in group])
            for site in group:
                for url in site.start_urls:
                    request = self._listing_request(site, url, hops=0)
                    if request is not None:
                        yield request

    # --- listings -------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Any]:
        site = self.sites[response.meta["site"]]
        hops: int = response.meta["hops"]
        if not isinstance(response, TextResponse):
            yield FetchFailure(site.name, response.url, "listing", "not a web page")
            return
        yield from self._encoding_check(site, response)
        html = response.text
        links = page_links(html, response.url)
        items = page_links(html, response.url, selector=site.item_selector) if site.item_selector else links
        # A JCMS datastore's records are script text to an HTML parser: their links are read apart.
        if records := record_html(html):
            record_links = page_links(records, response.url)
            links, items = links + record_links, items + record_links
        reports = [link for link in items if self._is_report(site, link)]
        for link in reports:
            if looks_like_listing_url(link.url):
                # `2022年年报` linking a folder is a year sub-column, not a report.
                yield from self._maybe(self._listing_request(site, link.url, hops=hops))
            else:
                yield from self._maybe(self._detail_request(site, link, response.url))
        for url in pagination_urls(html, links, response.url):
            yield from self._maybe(self._listing_request(site, url, hops=hops))
        for feed in feed_requests(html, response.url):
            yield from self._maybe(self._feed_request(site, feed, hops=hops))
        yield from self._gkmlpt_requests(site, response, hops=hops)
        columns = column_links(links, response.url) if hops < MAX_COLUMN_HOPS else []
        # A gkmlpt column is one script page for many catIds: reached only with its #catId.
        columns = [link for link in columns if not gkmlpt.is_index_url(link.url)]
        for link in columns:
            yield from self._maybe(self._listing_request(site, link.url, hops=hops + 1))
        if hops == 0 and not columns and not reports:
            hubs = hub_links(links, response.url)
            for link in hubs:
                yield from self._maybe(self._listing_request(site, link.url, hops=hops + 1))
            if not hubs:
                # A start page that links nowhere useful: the sitemaps robots.txt names may list the column.
                robots = urljoin(response.url, "/robots.txt")
                yield from self._maybe(self._discovery_request(site, robots, self.parse_robots))

    def _gkmlpt_requests(self, site: Site, response: TextResponse, *, hops: int) -> Iterator[scrapy.Request]:
        """A gkmlpt column's first API page, and the gkmlpt 年报 columns the page links to."""
        column: str | None = response.meta.get("gkmlpt_column")
        sid = gkmlpt.site_id(response.text) if column is not None else None
        if column is not None and sid is not None:
            url = gkmlpt.api_url(column, 1, sid)
            yield from self._maybe(self._gkmlpt_api_request(site, url, column=column, sid=sid, hops=hops))
        if hops < MAX_COLUMN_HOPS:
            for url in gkmlpt.column_urls(response.text, response.url):
                yield from self._maybe(self._listing_request(site, url, hops=hops + 1))

    def parse_gkmlpt_api(self, response: Response) -> Iterator[Any]:
        """One page of a gkmlpt column's items; the first page also asks for the others."""
        site = self.sites[response.meta["site"]]
        text = response.text if isinstance(response, TextResponse) else ""
        page = gkmlpt.api_page(text, response.url)
        if page is None:
            yield FetchFailure(site.name, response.url, "listing", "not a gkmlpt item list")
            return
        for link in page.links:
            if self._is_report(site, link):
                yield from self._maybe(self._detail_request(site, link, response.url))
        if response.meta["gkmlpt_page"] == 1:
            meta = response.meta
            column, sid, hops = meta["gkmlpt_column"], meta["gkmlpt_sid"], meta["hops"]
            for number in gkmlpt.later_pages(page):
                url = gkmlpt.api_url(column, number, sid)
                yield from self._maybe(
                    self._gkmlpt_api_request(site, url, column=column, sid=sid, hops=hops, page=number)
                )

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        site = self.sites[response.meta["site"]]
        for url in sitemap.sitemaps_in_robots(response.body, response.url):
            yield from self._maybe(self._discovery_request(site, url, self.parse_sitemap))

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        """A sitemap's 年报 columns become listings; a sitemap index's sitemaps are read in turn."""
        site = self.sites[response.meta["site"]]
        page = sitemap.read_sitemap(response.body)
        if page is None:
            yield FetchFailure(site.name, response.url, "listing", "not a sitemap")
            return
        for url in sitemap.column_locations(page, response.url):
            yield from self._maybe(self._listing_request(site, url, hops=1))
        for url in sitemap.nested_sitemaps(page, response.url):
            yield from self._maybe(self._discovery_request(site, url, self.parse_sitemap))

    def discovery_failed(self, failure: Failure) -> None:
        """No robots.txt or no sitemap: discovery found nothing, which the site's summary shows."""

    def listing_failed(self, failure: Failure) -> Iterator[FetchFailure]:
        request = _request_of(failure)
        kind = _failure_kind(failure, "listing")
        yield FetchFailure(request.meta["site"], request.url, kind, failure_reason(failure))

    # --- documents ------------------------------------------------------------------

    def parse_document(self, response: Response) -> Iterator[Any]:
        site = self.sites[response.meta["site"]]
        known: Known | None = response.meta.get("known")
        if response.status == 304 and known is not None:
            yield from self._unchanged(site, response, known)
            return
        format = sniff_format(response.body, _header(response, "Content-Type"), response.url)
        if format is None:
            reason = f"not a report format (Content-Type {_header(response, 'Content-Type') or 'missing'})"
            yield FetchFailure(site.name, response.meta["original_url"], "document", reason)
            return
        if format == "html" and isinstance(response, TextResponse):
            yield from self._encoding_check(site, response)
            if response.meta["role"] == "detail":
                # gkmlpt detail pages name their attachments only in their script config.
                attachments = attachment_links(response.text, response.url) or gkmlpt.config_attachments(
                    response.text, response.url
                )
                if not self.ocr:
                    attachments = [attachment for attachment in attachments if attachment.format != "image"]
                attachment = choose_attachment(attachments)
                if attachment is not None and not carries_report(page_text(response.text)):
                    yield self._stub(site, response, [attachment.url])
                    yield self._attachment_request(site, attachment.url, response.meta["listing"])
                    return
                if self.ocr:
                    yield from self._with_pictures(site, response, self._document(site, response, format))
                    return
        yield self._document(site, response, format)

    def document_failed(self, failure: Failure) -> Iterator[FetchFailure]:
        request = _request_of(failure)
        listing: ListingContext | None = request.meta.get("listing")
        yield FetchFailure(
            request.meta["site"],
            request.meta.get("original_url", request.url),
            _failure_kind(failure, "document"),
            failure_reason(failure),
            listing_title=listing.title if listing else None,
        )

    # --- the pictures of a report page ---------------------------------------------

    def _with_pictures(self, site: Site, response: Response, document: FetchedDocument) -> Iterator[Any]:
        """The page, once the pictures its report shows are fetched: they are read with it (OCR)."""
        try:
            sources = article_image_sources(response.body)
        except GovreportsError:  # a page no HTML reader makes sense of: the importer says why
            sources = []
        urls = [(source, self._picture_url(site, response, source)) for source in sources]
        waiting = [(source, url) for source, url in urls if url is not None]
        yield from self._next_picture(PagePictures(document, waiting, [], len(response.body)))

    def _picture_url(self, site: Site, response: Response, source: str) -> str | None:
        """The absolute URL of a picture on the site's own hosts (inline `data:` pictures need none)."""
        url = response.urljoin(source)
        parts = urlsplit(url)
        host = parts.hostname or ""
        on_site = any(host == domain or host.endswith("." + domain) for domain in site.domains())
        return url if parts.scheme in ("http", "https") and on_site else None

    def _next_picture(self, pending: PagePictures) -> Iterator[Any]:
        """A request for the next picture, or the page bundled with its pictures when none is left."""
        room = MAX_DOCUMENT_BYTES - pending.size
        if pending.waiting and room > 0:
            source, url = pending.waiting.pop(0)
            yield scrapy.Request(
                url,
                callback=self.parse_picture,
                errback=self.picture_failed,
                # A picture two pages share is fetched for each; the host was checked above.
                dont_filter=True,
                meta={"site": pending.document.site, "pending": pending, "source": source,
                      "download_maxsize": room},
            )
            return
        document = pending.document
        document.body = pack(PageWithImages(document.body or b"", tuple(pending.fetched)))
        yield document

    def parse_picture(self, response: Response) -> Iterator[Any]:
        pending: PagePictures = response.meta["pending"]
        body = response.body
        fits = pending.size + len(body) <= MAX_DOCUMENT_BYTES
        if fits and sniff_format(body, None, response.url) == "image":
            pending.fetched.append(PageImage(response.meta["source"], response.url, body))
            pending.size += len(body)
        yield from self._next_picture(pending)

    def picture_failed(self, failure: Failure) -> Iterator[Any]:
        """A picture that cannot be had leaves what it shows unread; the page is still the report."""
        yield from self._next_picture(_request_of(failure).meta["pending"])

    def _bundled(self, known: Known | None) -> bool:
        """Whether the page was archived with pictures: fetched in full again, with them, since a
        picture replaced behind an unchanged page is a revision too."""
        if not self.ocr or self.archive is None or known is None or not known.sha256:
            return False
        try:
            with self.archive.path_of(known.sha256).open("rb") as stored:
                return stored.read(len(MAGIC)) == MAGIC
        except OSError:
            return False

    def _unchanged(self, site: Site, response: Response, known: Known) -> Iterator[Any]:
        if known.kind == "stub":
            for url in known.attachments:
                yield from self._maybe(self._attachment_request(site, url, response.meta["listing"]))
            return
        yield FetchedDocument(
            site=site.name,
            url=response.meta["original_url"],
            format=known.format or "html",
            fetched_at=datetime.now(UTC),
            provenance=self._provenance(response, known),
            not_modified=True,
            sha256=known.sha256 or "",
            first_seen_at=known.first_seen_at,
        )

    def _document(self, site: Site, response: Response, format: Format) -> FetchedDocument:
        return FetchedDocument(
            site=site.name,
            url=response.meta["original_url"],
            format=format,
            fetched_at=datetime.now(UTC),
            provenance=self._provenance(response, None),
            body=response.body,
        )

    def _stub(self, site: Site, response: Response, attachments: list[str]) -> StubPage:
        return StubPage(
            site=site.name,
            url=response.meta["original_url"],
            attachments=attachments,
            fetched_at=datetime.now(UTC),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )

    def _provenance(self, response: Response, known: Known | None) -> Provenance:
        listing: ListingContext = response.meta["listing"]
        return Provenance(
            url=response.meta["original_url"],
            final_url=response.url,
            http_status=response.status,
            content_type=_header(response, "Content-Type"),
            last_modified=_header(response, "Last-Modified") or (known.last_modified if known else None),
            etag=_header(response, "ETag") or (known.etag if known else None),
            listing_url=listing.url,
            listing_title=listing.title,
            listing_date=listing.date,
        )

    # --- requests -------------------------------------------------------------------

    def _claim_listing(self, site: Site, url: str) -> bool:
        """True the first time a listing page (or feed range) is asked for, within the site's cap."""
        seen = self._listings[site.name]
        column = gkmlpt.category_of(url)
        # Each gkmlpt #catId is a column of its own on the one index page.
        key = listing_key(url) + (f"#{column}" if column is not None else "")
        if key in seen or len(seen) >= site.max_listing_pages:
            return False
        seen.add(key)
        return True

    def _listing_request(self, site: Site, url: str, *, hops: int) -> scrapy.Request | None:
        if not self._claim_listing(site, url):
            return None
        column = url if gkmlpt.category_of(url) is not None else None
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"site": site.name, "hops": hops, "gkmlpt_column": column},
            # Scrapy's duplicate filter ignores the #catId telling gkmlpt columns apart; the claim does not.
            dont_filter=column is not None,
        )

    def _discovery_request(
        self, site: Site, url: str, callback: Callable[[Response], Iterator[Any]]
    ) -> scrapy.Request | None:
        """robots.txt or a sitemap, read for the 年报 column; counted and deduplicated like a listing page."""
        if not self._claim_listing(site, url):
            return None
        return scrapy.Request(url, callback=callback, errback=self.discovery_failed, meta={"site": site.name})

    def _gkmlpt_api_request(
        self, site: Site, url: str, *, column: str, sid: str, hops: int, page: int = 1
    ) -> scrapy.Request | None:
        """A page of a gkmlpt column's item API; counted and deduplicated like a listing page."""
        if not self._claim_listing(site, url):
            return None
        return scrapy.Request(
            url,
            callback=self.parse_gkmlpt_api,
            errback=self.listing_failed,
            meta={"site": site.name, "hops": hops, "gkmlpt_column": column, "gkmlpt_sid": sid,
                  "gkmlpt_page": page},
        )

    def _feed_request(self, site: Site, feed: FeedRequest, *, hops: int) -> scrapy.Request | None:
        """A POST for more records of a JCMS column; counted and deduplicated like a listing page."""
        if not self._claim_listing(site, feed.url):
            return None
        return scrapy.FormRequest(
            feed.url,
            formdata=feed.form,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"site": site.name, "hops": hops},
        )

    def _detail_request(self, site: Site, link: Link, listing_url: str) -> scrapy.Request | None:
        listing = ListingContext(url=listing_url, title=link.text, date=link.date)
        request = self._document_request(site, link.url, "detail", listing)
        if request is not None:
            self.report_links[site.name] += 1
        return request

    def _attachment_request(self, site: Site, url: str, listing: ListingContext) -> scrapy.Request | None:
        return self._document_request(site, url, "attachment", listing)

    def _document_request(
        self, site: Site, url: str, role: str, listing: ListingContext
    ) -> scrapy.Request | None:
        seen = self._documents[site.name]
        if url in seen:
            return None
        seen.add(url)
        known = self.state.known(url) if self.state is not None else None
        return scrapy.Request(
            url,
            headers={} if self._bundled(known) else conditional_headers(known),
            callback=self.parse_document,
            errback=self.document_failed,
            meta={
                "site": site.name,
                "role": role,
                "listing": listing,
                "known": known,
                "original_url": url,
                "handle_httpstatus_list": [304],
            },
        )

    # --- helpers --------------------------------------------------------------------

    def _is_report(self, site: Site, link: Link) -> bool:
        pattern, exclude = self._titles[site.name], self._excludes[site.name]
        if pattern is not None:
            return matches_title_pattern(link.text, pattern, exclude=exclude)
        return is_report_title(link.text, exclude=exclude)

    def _encoding_check(self, site: Site, response: TextResponse) -> Iterator[EncodingProblem]:
        if not decodes_cleanly(response.body, response.encoding):
            yield EncodingProblem(site.name, response.url, response.encoding)

    @staticmethod
    def _maybe(request: scrapy.Request | None) -> Iterator[scrapy.Request]:
        if request is not None:
            yield request


def _request_of(failure: Failure) -> scrapy.Request:
    # Scrapy attaches the failed request to the Failure it hands an errback.
    request: scrapy.Request = failure.request  # type: ignore[attr-defined]
    return request


def failure_reason(failure: Failure) -> str:
    """One line saying why a fetch failed: HTTP status, timeout, refused size, lost connection."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    if isinstance(error, DownloadTimeoutError):
        return "timed out"
    if isinstance(error, DownloadCancelledError):
        return f"refused: {error}"
    if isinstance(error, IgnoreRequest):
        return str(error) or "ignored"
    if error is None:
        return failure.getErrorMessage()
    return "; ".join(dict.fromkeys(_describe(inner) for inner in _causes(error)))


def _causes(error: BaseException) -> list[BaseException]:
    """The underlying errors: Twisted wraps connection failures in lists of Failures."""
    inner = [
        item.value
        for argument in error.args if isinstance(argument, list)
        for item in argument if isinstance(item, Failure) and item.value is not None
    ]
    return inner or [error]


def _describe(error: BaseException) -> str:
    detail = " ".join(str(error).split())
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


def _failure_kind(failure: Failure, kind: FailureKind) -> FailureKind:
    is_robots = isinstance(failure.value, IgnoreRequest) and "robots.txt" in str(failure.value)
    return "robots" if is_robots else kind


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None
