"""Crawls trigger the audit too: the crawl's writer notes what it wrote, and the audit at the end of a
watch cycle (or of `govreports crawl`) looks at it, and takes the cycle's successful crawl as
evidence that a report is missing. Real Elasticsearch, a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

import pytest
from elasticsearch import Elasticsearch
from webhook_receiver import Receiver

from audit.run import after_crawl, full_audit
from audit.store import AuditIndices, pending_ids
from crawler.sinks import ElasticsearchSink
from crawler.sites import Site
from crawler.summary import CrawlSummary, SiteSummary
from govreports.model import Region
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.synthetic.series import office_series, without_year
from indexer.writer import index_reports
from monitor import subscriptions
from monitor.clock import utc_now
from monitor.indices import MonitorIndices, ensure_indices
from monitor.subscriptions import SubscriptionSpec, new_subscription
from monitor.watch import StopSignal, run_cycle
from search_api.query import SearchFilters

pytestmark = pytest.mark.es
HONGZE = Region(province="江苏省", city="淮安市", county="洪泽区")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


def stored(client: Elasticsearch, index: str, report_id: str) -> dict[str, object]:
    source: dict[str, object] = client.get(index=index, id=report_id)["_source"]
    return source


@pytest.mark.timeout(300)
def test_a_watch_cycle_audits_what_it_crawled_and_uses_its_crawl_as_evidence(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, receiver: Receiver
) -> None:
    settings = es_settings.model_copy(update={"allow_private_webhooks": True})
    office = without_year(
        office_series(random.Random(3), office="财政局", region=HONGZE, level="department", site="s3"), 2025
    )
    ensure_index(es_client, es_index)
    assert not index_reports(es_client, es_index, office.reports).failed
    full_audit(es_client, settings)  # today: the 2025 report is overdue, but nothing proves it missing
    indices = MonitorIndices(es_index)
    ensure_indices(es_client, indices)
    spec = SubscriptionSpec(
        name="江苏", filters=SearchFilters(province=["江苏省"]), webhook_url=receiver.url, notify_missing=True
    )
    subscriptions.save(es_client, indices, new_subscription(spec, utc_now(), None))

    # The portal published its 2024 report late, and says so in a revised version the crawl finds.
    [report] = [item for item in office.reports if item.year == 2024]
    revised = report.model_copy(update={"published_date": date(2025, 3, 15), "content_sha256": "e" * 64})
    before = stored(es_client, es_index, report.id)["timeliness"]
    assert isinstance(before, dict) and before["status"] == "on_time"

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        sink = ElasticsearchSink(client, settings.index, settings.es_url)
        assert not sink.write([revised])
        return CrawlSummary(pages_fetched=1, revised=1, sites=[SiteSummary(name=site.name, pages=1)])

    site = Site(name="s3", start_urls=["http://127.0.0.1:9/s3/"])
    outcome = run_cycle(es_client, settings, [site], crawl=crawl, stop=StopSignal())

    assert [run.status for run in outcome.runs] == ["ok"]
    timeliness = stored(es_client, es_index, report.id)["timeliness"]
    assert isinstance(timeliness, dict) and (timeliness["status"], timeliness["days_late"]) == ("late", 43)
    assert pending_ids(es_client, AuditIndices(es_index)) == set()
    [missing] = receiver.events("missing")  # the cycle's successful crawl is the evidence
    assert missing["year"] == 2025 and "crawl" in missing["detail"]
    assert "0 missing events" in after_crawl(es_client, settings)  # and it is told once
