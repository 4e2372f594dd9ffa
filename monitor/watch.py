"""The watch loop: crawl every configured portal on a schedule, index, then notify.

One cycle crawls all the sites in one shared crawl (`crawl_together`: one Scrapy
child, polite to each host, documents imported as they arrive, see `crawler.run`),
then records each site's run from the crawl's per-site summary, then runs `notify`.
Every cycle re-crawls conditionally (ETag, Last-Modified, hashes), so an unchanged
portal costs its listing pages. A site that fails is recorded as failed; the others
are not delayed by it. (`crawl` instead crawls the sites one at a time, one crawl
each.) Between cycles the loop sleeps.
Deliveries go out on a thread of their own (`BackgroundSender`), retries
included, so a slow webhook receiver never delays a crawl; `--once` sends inline.

SIGTERM or SIGINT once: the current crawl is finished, then the loop stops (no new
site, no notify: the next start derives the notifications from the index). Twice:
the current crawl is abandoned at once and recorded so. Either way nothing is lost:
indexing is idempotent and notifications come from the index state.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from audit.run import after_crawl
from govreports.errors import GovreportsError
from govreports.redaction import redactor
from govreports.settings import Settings
from monitor.clock import Clock, utc_now
from monitor.errors import elasticsearch_errors
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import BackgroundSender, NotifyOutcome, notify
from monitor.retry import RetryPolicy
from monitor.runs import RunStatus, SiteRun, abandon_orphans, new_cycle_id, save_run, start_run

if TYPE_CHECKING:
    from crawler.sites import Site
    from crawler.summary import CrawlSummary

log = logging.getLogger("govreports.watch")
# Crawl one site into the index: `crawler.run.crawl` with the loop's options bound.
CrawlSite = Callable[[Settings, "Site", Elasticsearch], "CrawlSummary"]
# Crawl many sites into the index in one shared crawl: `crawler.run.crawl` with the loop's options bound.
CrawlSites = Callable[[Settings, Sequence["Site"], Elasticsearch], "CrawlSummary"]
# Longest single sleep, so a clock jump is noticed.
MAX_NAP = timedelta(minutes=5)


class Abandon(BaseException):
    """Raised in the main thread by a second stop signal: leave the current site now."""


class StopSignal:
    """Set by SIGTERM/SIGINT (or by a test); waits that it interrupts."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self) -> None:
        self._event.set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when stopped meanwhile."""
        return self._event.wait(max(seconds, 0.0))

    @contextmanager
    def handling_signals(self) -> Iterator[None]:
        """Install the SIGTERM/SIGINT handlers for the duration of the block (main thread only)."""

        def handle(signum: int, frame: FrameType | None) -> None:
            if self.requested:
                raise Abandon(f"signal {signal.Signals(signum).name} received twice")
            log.info("stop requested (%s): finishing the current site", signal.Signals(signum).name)
            self.request()

        previous = {signum: signal.signal(signum, handle) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@dataclass
class CycleOutcome:
    cycle_id: str
    runs: list[SiteRun] = field(default_factory=list)
    notified: NotifyOutcome | None = None
    stopped: bool = False


def crawl_site(settings: Settings, site: Site, client: Elasticsearch, *, polite: bool = True) -> CrawlSummary:
    """The production `CrawlSite`: the crawler's own entry point, for one site."""
    from crawler.run import crawl

    return crawl(settings, [site], es_client=client, polite=polite)


def crawl_together(
    settings: Settings, sites: Sequence[Site], client: Elasticsearch, *, polite: bool = True
) -> CrawlSummary:
    """The production `CrawlSites`: the crawler's own entry point, for all the sites at once."""
    from crawler.run import crawl

    return crawl(settings, sites, es_client=client, polite=polite)


def run_cycle(
    client: Elasticsearch,
    settings: Settings,
    sites: Sequence[Site],
    *,
    crawl: CrawlSite | None = None,
    together: CrawlSites | None = None,
    stop: StopSignal,
    clock: Clock = utc_now,
    policy: RetryPolicy | None = None,
    sender: BackgroundSender | None = None,
) -> CycleOutcome:
    """Crawl the sites — all in one crawl (`together`) or one at a time (`crawl`) — recording each
    site's run (each failure recorded, none fatal), then notify (through `sender` when given);
    stops early on `stop`."""
    indices = MonitorIndices(settings.index)
    with elasticsearch_errors(settings.es_url):
        ensure_indices(client, indices)
        abandon_orphans(client, indices, clock())
    outcome = CycleOutcome(new_cycle_id(clock()))
    if together is not None:
        # The cycle's time bounds the one crawl.
        within = settings.model_copy(update={"crawl_timeout": min(settings.crawl_timeout,
                                                                  settings.watch_cycle_timeout)})
        outcome.runs = _crawl_together(client, within, sites, outcome.cycle_id, together, clock)
    elif crawl is not None:
        _crawl_each(client, settings, sites, outcome, crawl=crawl, stop=stop, clock=clock)
    else:
        raise ValueError("run_cycle needs `crawl` or `together`")
    if stop.requested:
        outcome.stopped = True
        return outcome
    log.info("cycle %s: %s", outcome.cycle_id, after_crawl(client, settings))  # before notify: its events
    outcome.notified = notify(client, settings, clock=clock, policy=policy, sender=sender)
    return outcome


def _crawl_each(
    client: Elasticsearch, settings: Settings, sites: Sequence[Site], outcome: CycleOutcome, *,
    crawl: CrawlSite, stop: StopSignal, clock: Clock,
) -> None:
    """One crawl per site, in turn, until `stop`."""
    # The cycle's time: no site starts after it, and each crawl gets at most what is left.
    deadline = clock() + timedelta(seconds=settings.watch_cycle_timeout)
    for site in sites:
        if stop.requested:
            return
        left = (deadline - clock()).total_seconds()
        if left <= 0:
            outcome.runs.append(_out_of_time(client, settings, site, outcome.cycle_id, clock))
            continue
        within = settings.model_copy(update={"crawl_timeout": min(settings.crawl_timeout, left)})
        outcome.runs.append(_crawl_one(client, within, site, outcome.cycle_id, crawl, clock))


def _out_of_time(
    client: Elasticsearch, settings: Settings, site: Site, cycle_id: str, clock: Clock
) -> SiteRun:
    run = start_run(cycle_id, site.name, clock())
    reason = "watch_cycle_timeout: not crawled, the cycle's time (GOVREPORTS_WATCH_CYCLE_TIMEOUT) was up"
    _finish(client, settings, run, clock(), "failed", reason)
    return run


def _crawl_one(
    client: Elasticsearch, settings: Settings, site: Site, cycle_id: str, crawl: CrawlSite, clock: Clock
) -> SiteRun:
    run = start_run(cycle_id, site.name, clock())
    with elasticsearch_errors(settings.es_url):
        save_run(client, MonitorIndices(settings.index), run)
    log.info("cycle %s: crawling %s", cycle_id, site.name)
    try:
        summary = crawl(settings, site, client)
    except Abandon:
        _finish(client, settings, run, clock(), "abandoned", "stopped by a second signal mid-crawl")
        raise
    except Exception as error:  # one portal's failure, whatever it is, must not stop the others
        problem = redactor(settings).redact(f"{type(error).__name__}: {error}")
        log.warning("cycle %s: %s failed: %s", cycle_id, site.name, problem)
        _finish(client, settings, run, clock(), "failed", problem)
        return run
    _count(run, summary)
    _finish(client, settings, run, clock(), "failed" if run.error else "ok", run.error)
    log.info(
        "cycle %s: %s: %d pages, %d new, %d revised, %d unchanged, %d failed",
        cycle_id,
        site.name,
        run.fetched,
        run.new,
        run.revised,
        run.unchanged,
        run.failed,
    )
    return run


def _crawl_together(
    client: Elasticsearch, settings: Settings, sites: Sequence[Site], cycle_id: str, together: CrawlSites,
    clock: Clock,
) -> list[SiteRun]:
    """One crawl of all the sites; each site's run recorded from its part of the summary."""
    runs = [start_run(cycle_id, site.name, clock()) for site in sites]
    _save_runs(client, settings, runs)
    log.info("cycle %s: crawling %d sites together", cycle_id, len(runs))
    try:
        summary = together(settings, sites, client)
    except Abandon:
        _finish_all(client, settings, runs, clock(), "abandoned", "stopped by a second signal mid-crawl")
        raise
    except Exception as error:  # the shared crawl failed as a whole: every site's run says why
        problem = redactor(settings).redact(f"{type(error).__name__}: {error}")
        log.warning("cycle %s: the crawl failed: %s", cycle_id, problem)
        _finish_all(client, settings, runs, clock(), "failed", problem)
        return runs
    by_site = {part.name: part for part in summary.sites}
    own = {f"site {part.name}: {part.error}" for part in summary.sites if part.error}
    shared = [error for error in summary.errors if error not in own]  # a timeout, an index refusing
    for run in runs:
        part = by_site.get(run.site)
        if part is not None:
            run.fetched, run.new, run.revised = part.pages, part.new, part.revised
            run.unchanged, run.failed = part.unchanged, part.failed
        problems = ([f"site {run.site}: {part.error}"] if part is not None and part.error else []) + shared
        said = redactor(settings).redact("; ".join(problems)) if problems else None
        run.status, run.finished_at, run.error = "failed" if said else "ok", clock(), said
    _save_runs(client, settings, runs)
    log.info("cycle %s: %d pages, %d new, %d revised, %d unchanged, %d failed, %d site(s) with errors",
             cycle_id, summary.pages_fetched, summary.new, summary.revised, summary.unchanged,
             summary.failed, sum(1 for run in runs if run.error))
    return runs


def _finish_all(client: Elasticsearch, settings: Settings, runs: list[SiteRun], now: datetime,
                status: RunStatus, error: str) -> None:
    for run in runs:
        run.status, run.finished_at, run.error = status, now, error
    _save_runs(client, settings, runs)


def _save_runs(client: Elasticsearch, settings: Settings, runs: list[SiteRun]) -> None:
    """Many sites' runs in one bulk request (one `save_run` each would cost a refresh each)."""
    actions = [{"_index": MonitorIndices(settings.index).watch, "_id": run.id, "_source": run.document()}
               for run in runs]
    with elasticsearch_errors(settings.es_url):
        bulk(client, actions, refresh=True)


def _count(run: SiteRun, summary: CrawlSummary) -> None:
    run.fetched = summary.pages_fetched
    run.new, run.revised = summary.new, summary.revised
    run.unchanged, run.failed = summary.unchanged, summary.failed
    # The crawl was of this one site, so every whole-crawl error is this site's.
    run.error = "; ".join(summary.errors) or None


def _finish(
    client: Elasticsearch,
    settings: Settings,
    run: SiteRun,
    now: datetime,
    status: RunStatus,
    error: str | None,
) -> None:
    # Stored, and shown by /api/watch: never with Elasticsearch's credentials.
    run.status, run.finished_at, run.error = status, now, redactor(settings).redact(error) if error else None
    with elasticsearch_errors(settings.es_url):
        save_run(client, MonitorIndices(settings.index), run)


def watch(
    client: Elasticsearch,
    settings: Settings,
    sites: Sequence[Site],
    *,
    every: timedelta,
    once: bool,
    crawl: CrawlSite | None = None,
    together: CrawlSites | None = None,
    stop: StopSignal,
    clock: Clock = utc_now,
    policy: RetryPolicy | None = None,
    on_cycle: Callable[[CycleOutcome], None] | None = None,
) -> None:
    """Run cycles every `every` until stopped (or once); deliveries go out meanwhile, as they fall due."""
    sender = None if once else BackgroundSender(client, settings, clock=clock, policy=policy)
    with sender or nullcontext():
        while not stop.requested:
            started = clock()
            try:
                outcome = run_cycle(client, settings, sites, crawl=crawl, together=together, stop=stop,
                                    clock=clock, policy=policy, sender=sender)
            except GovreportsError as error:
                if once:
                    raise
                # Elasticsearch down, say: this cycle is lost, the next one may find it back.
                log.error("cycle failed: %s", error)
            else:
                if on_cycle is not None:
                    on_cycle(outcome)
            if once:
                return
            _sleep_until(started + every, stop=stop, clock=clock)


def _sleep_until(until: datetime, *, stop: StopSignal, clock: Clock) -> None:
    while not stop.requested and clock() < until:
        stop.wait(min(until - clock(), MAX_NAP).total_seconds())
