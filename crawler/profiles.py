"""Scrapy settings as data: what every crawl uses, and the polite and fast profiles.

Polite (the default) is how govreports treats a real portal: robots.txt obeyed,
AutoThrottle aiming at one request in flight per site, at most two at once per
site, retries spaced out. Fast turns off only the waiting, for the fixture portals
in tests and benchmarks; robots.txt, size caps and timeouts stay in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govreports.settings import Settings

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
    # A report is a few MB at most; a 200 MB+ "attachment" is refused before its body is read.
    "DOWNLOAD_MAXSIZE": 200 * MB,
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
    return {
        **BASE,
        **PROFILES["polite" if polite else "fast"],
        "USER_AGENT": settings.user_agent,
        "GOVREPORTS_DATA_DIR": str(data_dir),
        "GOVREPORTS_PROGRESS": progress,
        **(overrides or {}),
    }
