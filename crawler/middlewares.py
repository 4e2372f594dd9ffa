"""Downloader and spider middlewares (and one extension) for fetching: one job each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.state import StateStore
from govreports.errors import GovreportsError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

DEFAULT_PORTS = {"http": 80, "https": 443}
# The flag of a 304 answered from the crawl state, not by the server.
RECENT = "recently checked"
# Whatever the attempt number, never wait longer than this before a retry.
MAX_BACKOFF_SECONDS = 120.0


class _SharedState:
    """One crawl's state, shared by the spider, the middlewares and the pipelines; closed with the spider."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.error: str | None = None

    def close(self) -> None:
        try:
            self.store.close()
        except GovreportsError as error:  # handed to the parent by `crawl_state_error`, not lost in a log
            self.error = str(error)


_STATES: WeakKeyDictionary[Crawler, _SharedState] = WeakKeyDictionary()


def crawl_state_of(crawler: Crawler) -> StateStore:
    """The crawl state of this crawl, opened on first use: Elasticsearch or SQLite, as `crawl` chose."""
    from crawler.state_es import open_crawl_state

    shared = _STATES.get(crawler)
    if shared is None:
        target = crawler.settings.get("GOVREPORTS_CRAWL_STATE")
        data_dir = Path(crawler.settings["GOVREPORTS_DATA_DIR"])
        shared = _STATES[crawler] = _SharedState(open_crawl_state(data_dir, target, reads="fetched"))
        crawler.signals.connect(shared.close, signal=signals.spider_closed)
    return shared.store


def crawl_state_error(crawler: Crawler) -> str | None:
    """Why the crawl state could not be written when the spider closed, if it could not."""
    shared = _STATES.get(crawler)
    return shared.error if shared is not None else None


def backoff_seconds(attempt: int, base: float) -> float:
    """Exponential: base, 2·base, 4·base … for retries 1, 2, 3 …; nothing for a first attempt."""
    if attempt <= 0 or base <= 0:
        return 0.0
    return float(min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))


class RetryBackoffMiddleware:
    """Waits before sending a retried request (Scrapy's RetryMiddleware re-queues at once).

    Placed before RetryMiddleware, so it sees the `retry_times` meta that one sets.
    """

    def __init__(self, base: float) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(crawler.settings.getfloat("GOVREPORTS_RETRY_BACKOFF", 1.0))

    async def process_request(self, request: Request) -> None:
        delay = backoff_seconds(int(request.meta.get("retry_times", 0)), self.base)
        if delay:
            await asyncio.sleep(delay)


def host_slot(url: str) -> str:
    """The download slot of a URL: its host and port, so politeness is per host (127.0.0.1:80 ≠ :8080)."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


def _slotted(request: Request) -> Request:
    request.meta.setdefault("download_slot", host_slot(request.url))
    return request


class HostSlotSpiderMiddleware:
    """Puts each request the spider makes in its host's slot, before the scheduler queues it by slot."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in start:
            yield _slotted(item) if isinstance(item, Request) else item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for item in result:
            yield _slotted(item) if isinstance(item, Request) else item

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            yield _slotted(item) if isinstance(item, Request) else item


class HostSlotDownloaderMiddleware:
    """Puts the requests no spider made (robots.txt) in their host's slot too."""

    def process_request(self, request: Request) -> None:
        _slotted(request)


class AnswerPacedSlots:
    """The delay between two requests to a host counts from the host's last answer, never below its floor.

    Scrapy counts a slot's delay from when the previous request was sent, so a request
    slow to reach the host (a new connection, a busy server) and a quick next one can
    arrive closer than the delay. Here the clock restarts when the answer is in (before
    Scrapy looks at the slot's queue again), so with one request in flight the host sees
    at least the delay between two requests. AutoThrottle may lower a slot's delay to
    DOWNLOAD_DELAY; a site's own larger delay (DOWNLOAD_SLOTS) is put back.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        default = crawler.settings.getfloat("DOWNLOAD_DELAY")
        slots = crawler.settings.getdict("DOWNLOAD_SLOTS")
        self.floors = {key: float(value.get("delay", default)) for key, value in slots.items()}
        self.default_floor = default

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AnswerPacedSlots:
        if crawler.settings.getfloat("DOWNLOAD_DELAY") <= 0:
            raise NotConfigured  # no delay to pace: the fast profile
        paced = cls(crawler)
        crawler.signals.connect(paced.response_downloaded, signal=signals.response_downloaded)
        return paced

    def response_downloaded(self, request: Request, **_: Any) -> None:
        engine = self.crawler.engine
        key = request.meta.get("download_slot")
        slot = engine.downloader.slots.get(key) if engine is not None and key is not None else None
        if slot is None:
            return
        slot.lastseen = monotonic()
        slot.delay = max(slot.delay, self.floors.get(key, self.default_floor))


class RecentDocumentsMiddleware:
    """A report document checked less than GOVREPORTS_CRAWL_RECHECK_HOURS ago is not asked for again.

    It is answered from the crawl state as if its server had said 304 (the spider then
    counts it unchanged), so an unchanged portal costs its listing pages. A real 304 counts
    as a check. Only documents with validators are spared: one whose bytes were found
    damaged (validators forgotten) is fetched again.
    """

    def __init__(self, crawler: Crawler, hours: float) -> None:
        self.window = timedelta(hours=hours)
        self.state = crawl_state_of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecentDocumentsMiddleware:
        hours = crawler.settings.getfloat("GOVREPORTS_CRAWL_RECHECK_HOURS")
        if hours <= 0:
            raise NotConfigured  # every document asked for (conditionally) on every crawl
        return cls(crawler, hours)

    def process_request(self, request: Request) -> Response | None:
        known = request.meta.get("known")
        if known is None or not (known.etag or known.last_modified) or known.checked_at is None:
            return None
        checked = known.checked_at if known.checked_at.tzinfo else known.checked_at.replace(tzinfo=UTC)
        if datetime.now(UTC) - checked >= self.window:
            return None
        return Response(request.url, status=304, request=request, flags=[RECENT])

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and RECENT not in response.flags and request.meta.get("known") is not None:
            self.state.confirm(request.url, datetime.now(UTC))
        return response
