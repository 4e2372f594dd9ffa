"""Run the Scrapy part of a crawl — in a fresh child process each time.

Twisted's reactor cannot be restarted, so a process can run Scrapy only once. The
watch loop crawls once per cycle, forever, in one process; therefore each
fetch runs in a child started with multiprocessing's *spawn* method (a clean
interpreter: no inherited reactor, threads or sockets) and sends back a
`FetchResult` — metadata only, the bytes are already in the archive. With `on_item`,
the child also sends each document, failure and page as it comes, so the parent can
import while the fetch goes on. Costs about a second of start-up per crawl; buys a
crawl that cannot leak into the next one.

Stopped means stopped. The child dies with its parent (`PR_SET_PDEATHSIG`: SIGKILL,
which works even while it is stuck in C code such as a slow regular expression),
lives in its own process group (a terminal's Ctrl-C reaches the parent, which
decides), and takes SIGTERM's default action (death at once) instead of Scrapy's
graceful shutdown, which a busy child never gets to run. The parent kills it when
it is itself interrupted, and when the crawl overruns its time (`CLOSESPIDER_TIMEOUT`
closes the spider once its requests in flight end; a child still running well after
that is killed, and what it fetched is imported by the next crawl).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from crawler.items import EncodingProblem, FetchedDocument, FetchFailure
from crawler.sites import Site
from govreports.errors import GovreportsError
from govreports.lifetime import die_with_parent, kill_tree, sendable

# After CLOSESPIDER_TIMEOUT the spider closes once its requests in flight end: a child still
# running two download timeouts (one request and its retry) and this much later is killed.
KILL_GRACE_SECONDS = 5.0
# How long a child that has answered may take to exit.
EXIT_SECONDS = 10.0


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
    closed_reason: str = ""  # Scrapy's: "finished", "closespider_timeout", ...
    state_error: str | None = None  # why the crawl state could not be written, if it could not
    body_memory_peak: int = 0  # the most bytes response bodies held at once (`crawler.body_memory`)
    body_memory_requeued: int = 0  # responses stopped for want of room and asked for again


# What a streamed fetch hands on as it happens: a document, a failure, an encoding problem, or a
# `PageFetched` (one response of a site).
OnItem = Callable[[Any], None]


@dataclass(frozen=True)
class PageFetched:
    site: str  # "" for robots.txt and the like


def fetch(
    sites: Sequence[Site], scrapy_settings: dict[str, Any], *, on_item: OnItem | None = None
) -> FetchResult:
    """Crawl `sites` in a spawned child process and return what it fetched.

    With `on_item`, documents, failures and pages are handed to it (in this thread) as the
    child fetches them, and left out of the result.
    """
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_run_child, args=(sending, list(sites), scrapy_settings, os.getpid(), on_item is not None),
        name="govreports-crawl",
    )
    child.start()
    sending.close()
    try:
        result = _answer(child, receiving, _grace(scrapy_settings), on_item)
        child.join(EXIT_SECONDS)  # it exits once it has answered
        return result
    finally:
        if child.is_alive() and child.pid is not None:  # interrupted, abandoned or over time
            kill_tree(child.pid)  # not reaped yet, so the pid is still the child's
        child.join()
        receiving.close()


def _grace(scrapy_settings: dict[str, Any]) -> tuple[float, float] | None:
    """(time limit, grace) of the crawl: killed if still running after both (None: no limit)."""
    limit = float(scrapy_settings.get("CLOSESPIDER_TIMEOUT") or 0)
    if limit <= 0:
        return None
    return limit, 2 * float(scrapy_settings.get("DOWNLOAD_TIMEOUT", 180)) + KILL_GRACE_SECONDS


def _answer(child: BaseProcess, receiving: Connection, limits: tuple[float, float] | None,
            on_item: OnItem | None) -> FetchResult:
    end = None if limits is None else time.monotonic() + sum(limits)
    while True:
        timeout = None if end is None else max(0.0, end - time.monotonic())
        if not wait([receiving, child.sentinel], timeout):
            assert limits is not None
            raise GovreportsError(
                f"crawl_timeout: the crawl was still running {limits[1]:.0f} s after its time limit "
                f"({limits[0]:.0f} s, GOVREPORTS_CRAWL_TIMEOUT) and was killed"
            )
        try:
            kind, payload = receiving.recv()
        except EOFError:
            raise GovreportsError("the crawl process died unexpectedly (out of memory or killed)") from None
        if kind == "item" and on_item is not None:
            on_item(payload)
            continue
        if kind == "error":
            raise payload
        result: FetchResult = payload
        return result


def _run_child(sending: Connection, sites: list[Site], scrapy_settings: dict[str, Any], parent: int,
               stream: bool) -> None:
    """The child's life: die with the parent, in a group of its own, killable at once by SIGTERM."""
    die_with_parent(parent)
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        streamed = sending if stream else None
        answer: tuple[str, Any] = ("result", fetch_in_this_process(sites, scrapy_settings, stream=streamed))
    except Exception as error:
        answer = ("error", sendable(error))
    sending.send(answer)


def fetch_in_this_process(sites: list[Site], scrapy_settings: dict[str, Any], *,
                          stream: Connection | None = None) -> FetchResult:
    """Run Scrapy here, once: call this only in a process that has not run Scrapy before.

    With `stream`, items and pages are sent on it as ("item", ...) as they come, not kept.
    """
    # Imported here: the parent process never loads Scrapy or installs a reactor.
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.body_memory import STATS_PEAK, STATS_REQUEUED
    from crawler.middlewares import crawl_state_error
    from crawler.spider import ReportSpider

    started = time.monotonic()
    process = AsyncCrawlerProcess(scrapy_settings)
    crawler = process.create_crawler(ReportSpider)
    collector = _Collector(stream)
    collector.connect(crawler)
    task = process.crawl(crawler, sites=[site.model_dump(mode="json") for site in sites])
    # Scrapy's handlers would make SIGTERM a graceful stop, which a child stuck in C code never
    # reaches: the parent decides when to stop, and SIGTERM's default action ends the child at once.
    process.start(install_signal_handlers=False)
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise GovreportsError(f"the crawl could not start: {task.exception()}")
    spider = crawler.spider
    if isinstance(spider, ReportSpider):
        collector.result.report_links = Counter(spider.report_links)
    collector.result.state_error = crawl_state_error(crawler)
    if crawler.stats is not None:
        collector.result.body_memory_peak = int(crawler.stats.get_value(STATS_PEAK, 0))
        collector.result.body_memory_requeued = int(crawler.stats.get_value(STATS_REQUEUED, 0))
    collector.result.seconds = time.monotonic() - started
    return collector.result


class _Collector:
    """Gathers what the spider yields (after the pipelines) and counts responses, via signals."""

    def __init__(self, stream: Connection | None) -> None:
        self.result = FetchResult()
        self.stream = stream
        self._first: tuple[float, float] | None = None  # (wall, CPU) clocks at the first response

    def connect(self, crawler: Any) -> None:
        from scrapy import signals

        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, reason: str, **_: Any) -> None:
        self.result.closed_reason = reason

    def response_received(self, response: Any, request: Any, **_: Any) -> None:
        from crawler.middlewares import RECENT  # here: the parent never loads Scrapy

        if RECENT in response.flags:
            return  # answered from the crawl state: no page was fetched
        site = request.meta.get("site", "")
        self.result.pages[site] += 1
        if self.stream is not None:
            self.stream.send(("item", PageFetched(site)))
        now = (time.monotonic(), time.process_time())
        self._first = self._first or now
        self.result.fetching_seconds = now[0] - self._first[0]
        self.result.fetching_cpu_seconds = now[1] - self._first[1]

    def item_scraped(self, item: Any, **_: Any) -> None:
        if self.stream is not None and isinstance(item, FetchedDocument | FetchFailure | EncodingProblem):
            self.stream.send(("item", item))
        elif isinstance(item, FetchedDocument):
            self.result.documents.append(item)
        elif isinstance(item, FetchFailure):
            self.result.failures.append(item)
        elif isinstance(item, EncodingProblem):
            self.result.encoding_problems.append(item)

    def item_error(self, item: Any, failure: Any, **_: Any) -> None:
        # A pipeline could not keep a document (disk full, state unwritable): a failure, not a crash.
        if isinstance(item, FetchedDocument):
            reason = f"could not store: {' '.join(str(failure.value).split())}"
            self.item_scraped(FetchFailure(item.site, item.url, "document", reason))
