"""The watch loop's bookkeeping against the real Elasticsearch, with the crawl step given as a
function (the real crawler is exercised by test_watch_e2e and test_watch_cli): failures stay with
their site, stop signals end a cycle between sites, a second signal abandons the site, and runs
left `running` by a dead process are marked abandoned."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from crawler.sites import Site
from crawler.summary import CrawlSummary, SiteSummary
from govreports.errors import GovreportsError
from govreports.es_client import build_client
from govreports.settings import Settings
from monitor.clock import utc_now
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import notify
from monitor.runs import SiteRun, abandon_orphans, save_run, start_run
from monitor.watch import Abandon, CycleOutcome, StopSignal, run_cycle, watch

pytestmark = pytest.mark.es
SITES = [Site(name=name, start_urls=[f"http://127.0.0.1:9/{name}/"]) for name in ("a", "b", "c")]
Crawl = Callable[[Settings, Site, Elasticsearch], CrawlSummary]


def summary(site: Site, new: int = 1) -> CrawlSummary:
    return CrawlSummary(pages_fetched=3, new=new, sites=[SiteSummary(name=site.name, pages=3, new=new)])


def runs(client: Elasticsearch, settings: Settings) -> dict[str, SiteRun]:
    index = MonitorIndices(settings.index).watch
    client.indices.refresh(index=index)
    hits = client.search(index=index, size=100)["hits"]["hits"]
    return {hit["_source"]["site"]: SiteRun.model_validate(hit["_source"]) for hit in hits}


def test_a_failing_site_is_recorded_and_the_others_still_run(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        if site.name == "b":
            raise GovreportsError("the crawl process died unexpectedly")
        if site.name == "c":
            return CrawlSummary(errors=["site c: no report found"], sites=[SiteSummary(name="c", error="x")])
        return summary(site, new=2)

    outcome = run_cycle(es_client, es_settings, SITES, crawl=crawl, stop=StopSignal())
    assert [(run.site, run.status) for run in outcome.runs] == [("a", "ok"), ("b", "failed"), ("c", "failed")]
    assert outcome.notified is not None  # notify ran after the failures (with no reports index yet)
    recorded = runs(es_client, es_settings)
    assert (recorded["a"].new, recorded["a"].fetched, recorded["a"].error) == (2, 3, None)
    assert recorded["b"].error == "GovreportsError: the crawl process died unexpectedly"
    assert recorded["c"].error == "site c: no report found"
    assert all(run.finished_at is not None and run.finished_at >= run.started_at for run in recorded.values())


def test_a_stop_during_a_site_ends_the_cycle_after_it(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    stop = StopSignal()

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        stop.request()  # SIGTERM arrives while the first site is being crawled
        return summary(site)

    outcome = run_cycle(es_client, es_settings, SITES, crawl=crawl, stop=stop)
    assert outcome.stopped and outcome.notified is None
    assert [(run.site, run.status) for run in outcome.runs] == [("a", "ok")]
    assert set(runs(es_client, es_settings)) == {"a"}


def test_signals_stop_gently_then_abandon(es_client: Elasticsearch, es_settings: Settings) -> None:
    stop = StopSignal()
    signals: list[str] = []

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        os.kill(os.getpid(), signal.SIGTERM)
        signals.append("first")  # the first signal only asks to stop: the crawl carries on
        os.kill(os.getpid(), signal.SIGTERM)
        signals.append("unreachable")  # the second raises Abandon here
        return summary(site)

    before = signal.getsignal(signal.SIGTERM)
    with stop.handling_signals(), pytest.raises(Abandon):
        run_cycle(es_client, es_settings, SITES, crawl=crawl, stop=stop)
    assert signals == ["first"]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is the block's only
    [abandoned] = runs(es_client, es_settings).values()
    assert (abandoned.site, abandoned.status) == ("a", "abandoned")


def test_runs_left_running_by_a_dead_process_are_marked_abandoned(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    indices = MonitorIndices(es_settings.index)
    ensure_indices(es_client, indices)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    orphan = start_run("old-cycle", "a", utc_now()).model_copy(update={"pid": int(dead.stdout)})
    alive = start_run("old-cycle", "b", utc_now())  # this process: still running
    elsewhere = start_run("old-cycle", "c", utc_now()).model_copy(
        update={"host": f"not-{socket.gethostname()}"}
    )
    for run in (orphan, alive, elsewhere):
        save_run(es_client, indices, run)
    assert abandon_orphans(es_client, indices, utc_now()) == [orphan.id]
    recorded = runs(es_client, es_settings)
    assert [recorded[site].status for site in "abc"] == ["abandoned", "running", "running"]


def test_notify_before_anything_was_indexed_does_nothing(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    outcome = notify(es_client, es_settings)
    assert (outcome.revisions, outcome.recorded, outcome.sent.delivered) == (0, [], [])


def test_the_loop_runs_cycles_until_stopped(es_client: Elasticsearch, es_settings: Settings) -> None:
    stop = StopSignal()
    cycles: list[CycleOutcome] = []

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        return summary(site)

    def count(outcome: CycleOutcome) -> None:
        cycles.append(outcome)
        if len(cycles) == 2:
            stop.request()

    watch(
        es_client,
        es_settings,
        SITES[:1],
        every=timedelta(milliseconds=10),
        once=False,
        crawl=crawl,
        stop=stop,
        on_cycle=count,
    )
    assert len(cycles) == 2 and cycles[0].cycle_id != cycles[1].cycle_id


def test_once_raises_what_the_cycle_could_not_survive(es_settings: Settings) -> None:
    unreachable = es_settings.model_copy(update={"es_url": "http://127.0.0.1:9"})
    with pytest.raises(GovreportsError, match="does not answer"):
        watch(
            build_client(unreachable).options(max_retries=0),
            unreachable,
            SITES,
            every=timedelta(hours=1),
            once=True,
            crawl=lambda s, site, c: summary(site),
            stop=StopSignal(),
        )
