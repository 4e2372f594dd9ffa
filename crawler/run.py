"""`crawl()`: the one entry point — fetch (Scrapy, in a child process) and import, at once.

One crawl fetches many sites together, polite to each host (`crawler.profiles`,
`crawler.middlewares`; each site's `politeness` in the sites file). The child hands
every document over as it is fetched; this process imports it at once (`ImportStream`:
parse workers under the limits, reports written in small batches), so a site that
hangs or fails delays no other site's fetching or indexing. Each site gets its own
progress and summary.

Callable any number of times in one process (the watch loop calls it every cycle):
every call spawns a fresh child for Scrapy (see `crawler.fetch`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from crawler.fetch import PageFetched, fetch
from crawler.importer import ImportResult, ImportStream, Parser, default_parser
from crawler.items import EncodingProblem, FetchedDocument, FetchFailure
from crawler.profiles import scrapy_settings
from crawler.progress import CrawlProgress
from crawler.sinks import ElasticsearchSink, JsonLinesSink, Sink
from crawler.sites import Site, host_allowances
from crawler.state import StateStore
from crawler.state_es import EsStateTarget, open_crawl_state, prepare_state_index
from crawler.summary import CrawlSummary, summarize
from govreports.archive import Archive
from govreports.errors import ConfigError, GovreportsError
from govreports.es_client import build_client
from govreports.settings import Settings
from indexer.limits import ParseLimits

# How long the import waits for the fetch before it looks at the parsed documents again.
POLL_SECONDS = 0.1
# Put in the import's inbox when the fetch has ended.
_FETCH_ENDED = object()


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
    """Crawl `sites`; parsed reports go to the index (or to `out` as JSON Lines) as they come.

    `overrides` are Scrapy settings laid over the profile (tests shorten timeouts).
    Fetching stops after GOVREPORTS_CRAWL_TIMEOUT seconds, and parsing what was fetched
    gets as long again (documents left unparsed are parsed by the next crawl); each
    document is parsed under the parse limits.
    """
    if not sites:
        raise ConfigError("no site to crawl: give --site NAME or --start-url URL")
    started = time.monotonic()
    sink = _sink(settings, out, es_client)
    state = _state_target(settings, sink)
    profile = scrapy_settings(settings, polite=polite,
                              overrides={**_host_slots(sites, polite), "GOVREPORTS_CRAWL_STATE": state,
                                         **(overrides or {})})
    importing = _Importing(
        sites,
        Path(settings.data_dir),
        state=state,
        sink=sink,
        parse=parse or default_parser(),
        limits=ParseLimits.from_settings(settings),
        deadline=started + 2 * settings.crawl_timeout,
        progress=CrawlProgress([site.name for site in sites]) if progress else None,
    )
    # The fetch runs in this thread, so a signal interrupts it and its child dies at once. An
    # interrupt (a second stop signal) is not caught: the import thread and the parse workers die
    # with this process, and the next crawl imports what this one had not.
    try:
        fetched = fetch(sites, profile, on_item=importing.inbox.put)
    except Exception:
        importing.finish()  # what was fetched before the fetch failed is imported all the same
        raise
    imported = importing.finish()
    fetched.failures += importing.failures
    fetched.encoding_problems += importing.problems
    if fetched.state_error is not None:
        imported.errors.append(fetched.state_error)
    if fetched.closed_reason == "closespider_timeout":
        imported.errors.append(
            f"crawl_timeout: fetching stopped after {settings.crawl_timeout:.0f} s "
            "(GOVREPORTS_CRAWL_TIMEOUT); the next crawl goes on from what this one fetched"
        )
    index = None
    if isinstance(sink, ElasticsearchSink):
        index = {"new": sink.summary.new, "revised": sink.summary.revised,
                 "unchanged": sink.summary.unchanged, "failed": sink.summary.failed}
    return summarize(sites, fetched, imported, seconds=time.monotonic() - started, index=index,
                     site_seconds=_site_seconds(started, importing.last_heard, imported))


def _state_target(settings: Settings, sink: Sink) -> EsStateTarget | None:
    """The state lives where the reports go: in Elasticsearch for its sink, else in the SQLite file."""
    if not isinstance(sink, ElasticsearchSink):
        return None
    target = EsStateTarget.of(settings)
    prepare_state_index(sink.client, target, Path(settings.data_dir))
    return target


def _host_slots(sites: Sequence[Site], polite: bool) -> dict[str, Any]:
    """Scrapy's DOWNLOAD_SLOTS: each start host's allowance, shared by its sites (none when not polite)."""
    if not polite:
        return {}
    slots = {host: {"concurrency": allowance.concurrency, "delay": allowance.delay, "jitter": 0.0}
             for host, allowance in host_allowances(sites).items()}
    return {"DOWNLOAD_SLOTS": slots}


class _Importing:
    """The import, on a thread of its own: what the fetch hands over waits in `inbox` until taken.

    The thread alone uses the crawl state and the sink. It imports documents as they come,
    counts pages per site (for the progress and each site's time), and keeps the failures.
    """

    def __init__(self, sites: Sequence[Site], data_dir: Path, *, state: EsStateTarget | None, sink: Sink,
                 parse: Parser, limits: ParseLimits, deadline: float, progress: CrawlProgress | None) -> None:
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.last_heard: dict[str, float] = {}  # per site: when its last page (or failure) came
        self.failures: list[FetchFailure] = []
        self.problems: list[EncodingProblem] = []
        self.progress = progress
        self._result: ImportResult | None = None
        self._error: BaseException | None = None
        by_name = {site.name: site for site in sites}
        arguments = (by_name, data_dir, state, sink, parse, limits, deadline)
        self._thread = threading.Thread(target=self._run, args=arguments, name="crawl-import", daemon=True)
        self._thread.start()

    def finish(self) -> ImportResult:
        """The fetch has ended: import what is left, and say what came of it all."""
        self.inbox.put(_FETCH_ENDED)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None, "an import that ended without an error has a result"
        return self._result

    def _run(self, sites: dict[str, Site], data_dir: Path, target: EsStateTarget | None, sink: Sink,
             parse: Parser, limits: ParseLimits, deadline: float) -> None:
        try:
            state = open_crawl_state(data_dir, target, reads="delivered")
            try:
                stream = ImportStream(sites, state=state, archive=Archive(data_dir), sink=sink, parse=parse,
                                      limits=limits, deadline=deadline)
                try:
                    self._take_until_fetch_ends(stream)
                finally:
                    self._result = stream.finish()
            finally:
                self._close(state)
        except BaseException as error:  # raised again in the crawl's thread by `finish`
            self._error = error
        finally:
            if self.progress is not None:
                self.progress.close()

    def _close(self, state: StateStore) -> None:
        """Write the state's last rows; a write that failed is the crawl's error, its reports stand."""
        try:
            state.close()
        except GovreportsError as error:
            if self._result is None:
                raise
            self._result.errors.append(str(error))

    def _take_until_fetch_ends(self, stream: ImportStream) -> None:
        while True:
            try:
                item = self.inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                item = None
            if item is _FETCH_ENDED:
                return
            self._take(item, stream)
            stream.collect()
            if self.progress is not None:
                self.progress.show(stream.result)

    def _take(self, item: Any, stream: ImportStream) -> None:
        if isinstance(item, PageFetched):
            self.last_heard[item.site] = time.monotonic()
            if self.progress is not None:
                self.progress.page(item.site)
        elif isinstance(item, FetchedDocument):
            stream.add(item)
            if self.progress is not None:
                self.progress.document(item.site)
        elif isinstance(item, FetchFailure):
            self.last_heard[item.site] = time.monotonic()
            self.failures.append(item)
        elif isinstance(item, EncodingProblem):
            self.problems.append(item)


def _site_seconds(started: float, last_heard: dict[str, float], imported: ImportResult) -> dict[str, float]:
    """How long each site took: from the crawl's start to its last page, failure or import."""
    ends = dict(last_heard)
    for site, at in imported.settled_at.items():
        ends[site] = max(ends.get(site, at), at)
    return {site: end - started for site, end in ends.items()}


def _sink(settings: Settings, out: Path | None, es_client: Elasticsearch | None) -> Sink:
    if out is not None:
        return JsonLinesSink(out)
    sink = ElasticsearchSink(es_client or build_client(settings), settings.index, settings.es_url)
    sink.prepare()
    return sink
