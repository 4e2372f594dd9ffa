"""The memory response bodies hold, bounded by what they actually hold, not by the largest they might.

Each request in flight reserves a little (`MIN_RESERVATION`) before it is sent; its
reservation grows to the Content-Length its server declares, or as its bytes arrive,
and is given back when the response is gone (the spider and the pipelines are done with
it) or the download failed. A request waits for room before it is sent. A response that
would take the total past the budget is stopped and asked for again later with its size
reserved up front (`MAX_REQUEUES` times at most), so the total stays bounded while
hundreds of small pages are in flight at once.

Everything here runs on Scrapy's reactor thread (the asyncio loop).
"""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http import Response

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# What a request reserves before its server says anything: a typical listing page.
MIN_RESERVATION = 64 * 1024
# A body of unknown length grows its reservation by at least this much at a time.
GROWTH_STEP = 1024 * 1024
# A response stopped for want of room is asked for again at most this many times.
MAX_REQUEUES = 3
# Request meta: bytes to reserve before sending (known from a stopped attempt), and attempts so far.
RESERVE = "govreports_body_reserve"
REQUEUES = "govreports_body_requeues"
# Request meta set when a response is stopped for want of room: the bytes its next attempt reserves.
NEEDS = "govreports_body_needs"
# A request still waiting for room after this long has the garbage collector look for bodies to free.
COLLECT_AFTER_SECONDS = 1.0
STATS_PEAK = "govreports/body_memory_peak"
STATS_REQUEUED = "govreports/body_memory_requeued"


class BodyBudget:
    """Bytes reserved out of `capacity`; those asking for more than is free wait, first come first served."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self.peak = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()
        self._collected_at = 0.0

    def try_take(self, amount: int) -> bool:
        """Reserve `amount` now if it fits (a response already arriving goes before those waiting)."""
        if self.used + amount > self.capacity:
            return False
        self.used += amount
        self.peak = max(self.peak, self.used)
        return True

    async def take(self, amount: int) -> None:
        """Reserve `amount`, waiting for room behind whoever waits already."""
        if not self._waiting and self.try_take(amount):
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((amount, granted))
        try:
            while not granted.done():
                try:
                    await asyncio.wait_for(asyncio.shield(granted), COLLECT_AFTER_SECONDS)
                except TimeoutError:
                    self._collect()
        except asyncio.CancelledError:
            if granted.done():
                self.give_back(amount)  # granted, but its request is gone
            granted.cancel()
            raise

    def _collect(self) -> None:
        """Free the responses only reference cycles still hold (a failure's traceback keeping its
        response): their reservations come back. At most once per COLLECT_AFTER_SECONDS."""
        now = time.monotonic()
        if now - self._collected_at >= COLLECT_AFTER_SECONDS:
            self._collected_at = now
            gc.collect()

    def give_back(self, amount: int) -> None:
        self.used -= amount
        while self._waiting and self.used + self._waiting[0][0] <= self.capacity:
            wanted, granted = self._waiting.popleft()
            if not granted.done():
                self.try_take(wanted)
                granted.set_result(None)


class BodyMemoryMiddleware:
    """Keeps the bodies in flight (and not yet let go by the spider) within GOVREPORTS_BODY_BUDGET bytes."""

    def __init__(self, crawler: Crawler, capacity: int) -> None:
        self.crawler = crawler
        self.budget = BodyBudget(capacity)
        self.held: dict[Request, int] = {}  # bytes reserved by each request in flight
        self.received: dict[Request, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyMemoryMiddleware:
        capacity = crawler.settings.getint("GOVREPORTS_BODY_BUDGET")
        if capacity <= 0:
            raise NotConfigured
        middleware = cls(crawler, capacity)
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(middleware.request_left_downloader, signal=signals.request_left_downloader)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_request(self, request: Request) -> None:
        amount = min(max(MIN_RESERVATION, int(request.meta.get(RESERVE, 0))), self.budget.capacity)
        await self.budget.take(amount)
        self.held[request] = amount

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        """A response stopped for want of room is asked for again, its size reserved before it is sent."""
        needs = request.meta.get(NEEDS)
        if not isinstance(exception, StopDownload) or needs is None:
            return None
        attempts = int(request.meta.get(REQUEUES, 0))
        if attempts >= MAX_REQUEUES:
            return None  # its errback says why: stopped, too large for the memory left
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(STATS_REQUEUED)
        meta = {key: value for key, value in request.meta.items() if key != NEEDS}
        return request.replace(dont_filter=True, meta={**meta, RESERVE: needs, REQUEUES: attempts + 1})

    def headers_received(self, headers: Any, body_length: int, request: Request, **_: Any) -> None:
        if body_length > 0:
            self._grow(request, body_length, needs=body_length)

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        received = self.received.get(request, 0) + len(data)
        self.received[request] = received
        if received > self.held.get(request, received):
            most = min(int(request.meta.get("download_maxsize", self.budget.capacity)), self.budget.capacity)
            # Length unknown: the next attempt reserves the most a body may be.
            self._grow(request, max(received, min(received + GROWTH_STEP, most)), needs=most)

    def response_downloaded(self, response: Response, request: Request, **_: Any) -> None:
        """The body now lives in the response: its reservation is given back when the response is freed."""
        amount = self.held.pop(request, None)
        self.received.pop(request, None)
        if amount is not None:
            # Not at exit: the loop whose waiters it would wake is gone by then.
            weakref.finalize(response, self.budget.give_back, amount).atexit = False

    def request_left_downloader(self, request: Request, **_: Any) -> None:
        amount = self.held.pop(request, None)  # None: handed to its response
        self.received.pop(request, None)
        if amount is not None:
            self.budget.give_back(amount)

    def spider_closed(self, **_: Any) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.set_value(STATS_PEAK, self.budget.peak)

    def _grow(self, request: Request, size: int, *, needs: int) -> None:
        held = self.held.get(request)
        if held is None or size <= held:
            return
        if not self.budget.try_take(size - held):
            request.meta[NEEDS] = needs
            raise StopDownload(fail=True)
        self.held[request] = size
