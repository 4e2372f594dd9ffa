"""Run the Scrapy part of a crawl — in a fresh child process each time.

Twisted's reactor cannot be restarted, so a process can run Scrapy only once. The
watch loop crawls once per site per cycle, forever, in one process; therefore each
fetch runs in a child started with multiprocessing's *spawn* method (a clean
interpreter: no inherited reactor, threads or sockets) and sends back a
`FetchResult` — metadata only, the bytes are already in the archive. Costs about a
second of start-up per crawl; buys a crawl that cannot leak into the next one.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from crawler.items import EncodingProblem, FetchedDocument, FetchFailure
from crawler.sites import Site
from govreports.errors import GovreportsError


@dataclass
class FetchResult:
    documents: list[FetchedDocument] = field(default_factory=list)
    failures: list[FetchFailure] = field(default_factory=list)
    encoding_problems: list[EncodingProblem] = field(default_factory=list)
    pages: Counter[str] = field(default_factory=Counter)  # responses per site ("" = robots.txt and the like)
    report_links: Counter[str] = field(default_factory=Counter)  # report links found per site
    seconds: float = 0.0  # the whole Scrapy run, start-up included
    # From the first response to the last: the steady-state fetching, in wall and CPU seconds.
    fetching_seconds: float = 0.0
    fetching_cpu_seconds: float = 0.0


def fetch(sites: Sequence[Site], scrapy_settings: dict[str, Any]) -> FetchResult:
    """Crawl `sites` in a spawned child process and return what it fetched."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(fetch_in_this_process, list(sites), scrapy_settings).result()
        except BrokenProcessPool:
            raise GovreportsError("the crawl process died unexpectedly (out of memory or killed)") from None


def fetch_in_this_process(sites: list[Site], scrapy_settings: dict[str, Any]) -> FetchResult:
    """Run Scrapy here, once: call this only in a process that has not run Scrapy before."""
    # Imported here: the parent process never loads Scrapy or installs a reactor.
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.spider import ReportSpider

    started = time.monotonic()
    process = AsyncCrawlerProcess(scrapy_settings)
    crawler = process.create_crawler(ReportSpider)
    collector = _Collector()
    collector.connect(crawler)
    task = process.crawl(crawler, sites=[site.model_dump(mode="json") for site in sites])
    process.start()
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise GovreportsError(f"the crawl could not start: {task.exception()}")
    spider = crawler.spider
    if isinstance(spider, ReportSpider):
        collector.result.report_links = Counter(spider.report_links)
    collector.result.seconds = time.monotonic() - started
    return collector.result


class _Collector:
    """Gathers what the spider yields (after the pipelines) and counts responses, via signals."""

    def __init__(self) -> None:
        self.result = FetchResult()
        self._first: tuple[float, float] | None = None  # (wall, CPU) clocks at the first response

    def connect(self, crawler: Any) -> None:
        from scrapy import signals

        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    def response_received(self, request: Any, **_: Any) -> None:
        self.result.pages[request.meta.get("site", "")] += 1
        now = (time.monotonic(), time.process_time())
        self._first = self._first or now
        self.result.fetching_seconds = now[0] - self._first[0]
        self.result.fetching_cpu_seconds = now[1] - self._first[1]

    def item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, FetchedDocument):
            self.result.documents.append(item)
        elif isinstance(item, FetchFailure):
            self.result.failures.append(item)
        elif isinstance(item, EncodingProblem):
            self.result.encoding_problems.append(item)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        # A pipeline could not keep a document (disk full, state unwritable): a failure, not a crash.
        if isinstance(item, FetchedDocument):
            reason = f"could not store: {' '.join(str(failure.value).split())}"
            self.result.failures.append(FetchFailure(item.site, item.url, "document", reason))
