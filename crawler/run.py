"""`crawl()`: the one entry point — fetch (Scrapy, in a child process), then import.

Callable any number of times in one process (the watch loop calls it once per site
per cycle): every call spawns a fresh child for Scrapy (see `crawler.fetch`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from crawler.fetch import fetch
from crawler.importer import Parser, default_parser, import_documents
from crawler.profiles import scrapy_settings
from crawler.sinks import ElasticsearchSink, JsonLinesSink, Sink
from crawler.sites import Site
from crawler.state import CrawlState
from crawler.summary import CrawlSummary, summarize
from govreports.archive import Archive
from govreports.errors import ConfigError
from govreports.es_client import build_client
from govreports.settings import Settings
from indexer.limits import ParseLimits


def crawl(
    settings: Settings,
    sites: Sequence[Site],
    *,
    out: Path | None = None,
    polite: bool = True,
    es_client: Elasticsearch | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
    parse: Parser | None = None,
) -> CrawlSummary:
    """Crawl `sites`; parsed reports go to the index (or to `out` as JSON Lines).

    `overrides` are Scrapy settings laid over the profile (tests shorten timeouts).
    Fetching stops after GOVREPORTS_CRAWL_TIMEOUT seconds, and so does parsing what was
    fetched (documents left unparsed are parsed by the next crawl); each document is
    parsed under the parse limits.
    """
    if not sites:
        raise ConfigError("no site to crawl: give --site NAME or --start-url URL")
    started = time.monotonic()
    sink = _sink(settings, out, es_client)
    fetched = fetch(sites, scrapy_settings(settings, polite=polite, overrides=overrides, progress=progress))
    with CrawlState.in_data_dir(Path(settings.data_dir)) as state:
        imported = import_documents(
            fetched.documents,
            {site.name: site for site in sites},
            state=state,
            archive=Archive(Path(settings.data_dir)),
            sink=sink,
            parse=parse or default_parser(),
            limits=ParseLimits.from_settings(settings),
            deadline=time.monotonic() + settings.crawl_timeout,
        )
    if fetched.closed_reason == "closespider_timeout":
        imported.errors.append(
            f"crawl_timeout: fetching stopped after {settings.crawl_timeout:.0f} s "
            "(GOVREPORTS_CRAWL_TIMEOUT); the next crawl goes on from what this one fetched"
        )
    index = None
    if isinstance(sink, ElasticsearchSink):
        index = {"new": sink.summary.new, "revised": sink.summary.revised,
                 "unchanged": sink.summary.unchanged, "failed": sink.summary.failed}
    return summarize(sites, fetched, imported, seconds=time.monotonic() - started, index=index)


def _sink(settings: Settings, out: Path | None, es_client: Elasticsearch | None) -> Sink:
    if out is not None:
        return JsonLinesSink(out)
    sink = ElasticsearchSink(es_client or build_client(settings), settings.index, settings.es_url)
    sink.prepare()
    return sink
