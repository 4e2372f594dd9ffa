"""A progress counter for long crawls: a line redrawn in place on a terminal, log lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.items import FetchedDocument

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

TERMINAL_INTERVAL = 0.5
LOG_INTERVAL = 30.0


class Progress:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.terminal = stream.isatty()
        self.pages = 0
        self.documents = 0
        self._last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("GOVREPORTS_PROGRESS"):
            raise NotConfigured
        progress = cls(sys.stderr)
        crawler.signals.connect(progress.response_received, signal=signals.response_received)
        crawler.signals.connect(progress.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def response_received(self, **_: Any) -> None:
        self.pages += 1
        self._show()

    def item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, FetchedDocument):
            self.documents += 1
            self._show()

    def spider_closed(self, **_: Any) -> None:
        if self.terminal:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _show(self) -> None:
        now = time.monotonic()
        if now - self._last < (TERMINAL_INTERVAL if self.terminal else LOG_INTERVAL):
            return
        self._last = now
        line = f"crawling: {self.pages} pages fetched, {self.documents} reports"
        if self.terminal:
            self.stream.write(f"\r\033[K{line}")
            self.stream.flush()
        else:
            self.stream.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
            self.stream.flush()
