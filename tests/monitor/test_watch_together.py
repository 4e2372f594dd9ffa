"""A watch cycle crawling all its sites in one crawl records each site's run from its part of the summary."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from elasticsearch import Elasticsearch
from test_watch_loop import runs  # the stored runs, as the loop's tests read them

from crawler.sites import Site
from crawler.summary import CrawlSummary, SiteSummary
from govreports.errors import GovreportsError
from govreports.settings import Settings
from monitor.watch import StopSignal, run_cycle

pytestmark = pytest.mark.es
SITES = [Site(name=name, start_urls=[f"http://127.0.0.{index}:9/"]) for index, name in enumerate("abc", 1)]


def test_one_crawl_for_all_sites_records_each_sites_run(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    calls: list[list[str]] = []

    def together(settings: Settings, sites: Sequence[Site], client: Elasticsearch) -> CrawlSummary:
        calls.append([site.name for site in sites])
        parts = [SiteSummary(name="a", pages=5, report_links=2, new=2, seconds=3.0),
                 SiteSummary(name="b", pages=1, error="no report found"),
                 SiteSummary(name="c", pages=4, report_links=1, unchanged=1, failed=1)]
        return CrawlSummary(pages_fetched=10, new=2, unchanged=1, failed=1, sites=parts,
                            errors=["site b: no report found"])

    outcome = run_cycle(es_client, es_settings, SITES, together=together, stop=StopSignal())
    assert calls == [["a", "b", "c"]]  # one crawl, every site
    assert [(run.site, run.status) for run in outcome.runs] == [("a", "ok"), ("b", "failed"), ("c", "ok")]
    assert outcome.notified is not None
    stored = runs(es_client, es_settings)
    assert (stored["a"].fetched, stored["a"].new, stored["a"].error) == (5, 2, None)
    assert stored["b"].error == "site b: no report found"
    assert (stored["c"].unchanged, stored["c"].failed) == (1, 1)
    assert all(run.finished_at is not None for run in stored.values())


def test_a_crawl_that_fails_as_a_whole_fails_every_sites_run(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    def together(settings: Settings, sites: Sequence[Site], client: Elasticsearch) -> CrawlSummary:
        raise GovreportsError("the crawl process died unexpectedly")

    outcome = run_cycle(es_client, es_settings, SITES, together=together, stop=StopSignal())
    assert {run.status for run in outcome.runs} == {"failed"}
    stored = runs(es_client, es_settings)
    assert {run.error for run in stored.values()} == {"GovreportsError: the crawl process died unexpectedly"}
