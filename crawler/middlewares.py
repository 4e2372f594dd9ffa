"""Downloader middlewares, one job each."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy import Request

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# Whatever the attempt number, never wait longer than this before a retry.
MAX_BACKOFF_SECONDS = 120.0


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
