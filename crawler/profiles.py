"""Scrapy settings as data: what every crawl uses, and the polite and fast profiles.

Polite (the default) is how govreports treats a real portal: robots.txt obeyed,
per host (and port) one request in flight and at least a second between two,
counted from the host's last answer, with no jitter below that floor (a site may ask
for more, `Site.politeness`), AutoThrottle per host, retries spaced out, and up to
GOVREPORTS_CRAWL_CONCURRENCY hosts at once. Fast turns off only the waiting, for the fixture portals
in tests and benchmarks; robots.txt, size caps and timeouts stay in force.

Memory held by bodies is bounded: a response is refused past MAX_DOCUMENT_BYTES
(the parser's own cap, from the same constant), and the bodies in flight or not yet
let go by the spider hold at most GOVREPORTS_CRAWL_BODY_MEMORY, less one body's worth
(at most half of it) for copies and decoded text (`crawler.body_memory`: each request
reserves what its response actually holds, so hundreds of small pages fit at once).
A crawl closes itself after GOVREPORTS_CRAWL_TIMEOUT seconds (CLOSESPIDER_TIMEOUT).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govreports.settings import Settings
from indexer.limits import MAX_DOCUMENT_BYTES

MB = 1024 * 1024

BASE: dict[str, Any] = {
    "BOT_NAME": "govreports",
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    "STATS_DUMP": False,
    "LOGSTATS_INTERVAL": 0,
    # A report is a few MB at most; a larger "attachment" is refused before its body is read.
    "DOWNLOAD_MAXSIZE": MAX_DOCUMENT_BYTES,
    "DOWNLOAD_WARNSIZE": 50 * MB,
    "RETRY_ENABLED": True,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "DOWNLOADER_MIDDLEWARES": {
        "crawler.middlewares.HostSlotDownloaderMiddleware": 50,
        "crawler.middlewares.RecentDocumentsMiddleware": 60,
        "crawler.middlewares.RetryBackoffMiddleware": 540,
        # After the waits above, so a request holds its reservation only once it is about to be sent.
        "crawler.body_memory.BodyMemoryMiddleware": 560,
    },
    # Politeness is per host and port: every request goes to its host's download slot.
    "SPIDER_MIDDLEWARES": {"crawler.middlewares.HostSlotSpiderMiddleware": 950},
    # Many hosts at once: the next request comes from the host with the fewest in flight.
    "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
    "ITEM_PIPELINES": {
        "crawler.pipelines.ArchivePipeline": 100,
        "crawler.pipelines.StatePipeline": 200,
    },
    "EXTENSIONS": {"crawler.middlewares.AnswerPacedSlots": 600},
    # A response yields a handful of items; Scrapy starts this many item workers per response.
    "CONCURRENT_ITEMS": 8,
    # Scrapy reads every callback's source to warn about `return` in generators: costly, and ours never do.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    # Breadth-first: listings before details, so a cut-short crawl still knows what exists.
    "DEPTH_PRIORITY": 1,
    "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
    "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
}

PROFILES: dict[str, dict[str, Any]] = {
    "polite": {
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 2.0,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": 1.0,
        "DOWNLOAD_DELAY_JITTER": 0.0,  # no random delay below the one-second floor
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_TIMEOUT": 60,
        "RETRY_TIMES": 3,
        "GOVREPORTS_RETRY_BACKOFF": 5.0,
    },
    "fast": {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_TIMEOUT": 10,
        "RETRY_TIMES": 1,
        "GOVREPORTS_RETRY_BACKOFF": 0.1,
    },
}


def scrapy_settings(
    settings: Settings, *, polite: bool, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The one dict a crawl runs with: base, profile, this machine's paths, then `overrides`."""
    data_dir = Path(settings.data_dir)
    chosen = {
        **BASE,
        **PROFILES["polite" if polite else "fast"],
        "USER_AGENT": settings.user_agent,
        "GOVREPORTS_DATA_DIR": str(data_dir),
        "CLOSESPIDER_TIMEOUT": settings.crawl_timeout,
        "CONCURRENT_REQUESTS": settings.crawl_concurrency if polite else 32,
        "GOVREPORTS_CRAWL_RECHECK_HOURS": settings.crawl_recheck_hours,
        **(overrides or {}),
    }
    chosen.update(body_budget(settings.crawl_body_memory * MB, chosen["DOWNLOAD_MAXSIZE"]))
    return chosen


def body_budget(memory: int, maxsize: int) -> dict[str, int]:
    """The bytes bodies may hold (one body's worth, at most half, kept back for copies and decoded
    text), and the largest body, which must fit in them."""
    budget = memory - min(maxsize, memory // 2)
    return {"GOVREPORTS_BODY_BUDGET": budget, "DOWNLOAD_MAXSIZE": min(maxsize, budget)}
