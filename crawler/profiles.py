"""Scrapy settings as data: what every crawl uses, and the polite and fast profiles.

Polite (the default) is how govreports treats a real portal: robots.txt obeyed,
AutoThrottle aiming at one request in flight per site, at most two at once per
site, retries spaced out. Fast turns off only the waiting, for the fixture portals
in tests and benchmarks; robots.txt, size caps and timeouts stay in force.

Memory held by bodies in flight is bounded: a response is refused past
MAX_DOCUMENT_BYTES (the parser's own cap, from the same constant), and no more
requests run at once than GOVREPORTS_CRAWL_BODY_MEMORY holds of such bodies, less
one body's worth for what Scrapy's scraper holds meanwhile (its decoded text
included). A crawl closes itself after GOVREPORTS_CRAWL_TIMEOUT seconds
(CLOSESPIDER_TIMEOUT).
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
    "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.RetryBackoffMiddleware": 540},
    "ITEM_PIPELINES": {
        "crawler.pipelines.ArchivePipeline": 100,
        "crawler.pipelines.StatePipeline": 200,
    },
    "EXTENSIONS": {"crawler.progress.Progress": 500},
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
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_TIMEOUT": 60,
        "RETRY_TIMES": 3,
        "GOVREPORTS_RETRY_BACKOFF": 5.0,
    },
    "fast": {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "DOWNLOAD_TIMEOUT": 10,
        "RETRY_TIMES": 1,
        "GOVREPORTS_RETRY_BACKOFF": 0.1,
    },
}


def scrapy_settings(
    settings: Settings, *, polite: bool, overrides: Mapping[str, Any] | None = None, progress: bool = False
) -> dict[str, Any]:
    """The one dict a crawl runs with: base, profile, this machine's paths, then `overrides`."""
    data_dir = Path(settings.data_dir)
    chosen = {
        **BASE,
        **PROFILES["polite" if polite else "fast"],
        "USER_AGENT": settings.user_agent,
        "GOVREPORTS_DATA_DIR": str(data_dir),
        "GOVREPORTS_PROGRESS": progress,
        "CLOSESPIDER_TIMEOUT": settings.crawl_timeout,
        **(overrides or {}),
    }
    # Each request in flight may hold a body of DOWNLOAD_MAXSIZE; one more is kept for the scraper.
    bodies = max(1, settings.crawl_body_memory * MB // chosen["DOWNLOAD_MAXSIZE"] - 1)
    chosen["CONCURRENT_REQUESTS"] = min(chosen["CONCURRENT_REQUESTS"], bodies)
    return chosen
