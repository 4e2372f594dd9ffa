"""The watch loop end to end: fixture portals on 127.0.0.1 (real HTTP, mutable), the real crawler
in its child process, the real parser and index writer, the real Elasticsearch, and a webhook
receiver recording POSTs. One scenario, in the order a deployment lives it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from elasticsearch import Elasticsearch
from pydantic import SecretStr
from webhook_receiver import Receiver

from crawler.portals import Portal, PortalServer, build_portals
from crawler.sites import Site
from govreports.model import Report
from govreports.secrets import secret_box
from govreports.settings import Settings
from indexer.documents_es import from_document
from monitor import subscriptions
from monitor.cells import diff_cells, report_cells
from monitor.clock import utc_now
from monitor.indices import MonitorIndices, ensure_indices
from monitor.retry import RetryPolicy
from monitor.subscriptions import SubscriptionSpec, new_subscription
from monitor.watch import CycleOutcome, StopSignal, crawl_site, watch
from search_api.app import create_app
from search_api.query import SearchFilters
from search_api.testing import served

pytestmark = [pytest.mark.es, pytest.mark.slow]
# Retries due a second after a failure, so the loop's between-cycles retry is seen in a test.
POLICY = RetryPolicy(first_delay=timedelta(seconds=1))


@pytest.fixture(scope="module")
def portals() -> Iterator[tuple[Portal, Portal]]:
    # Two portals in different cities: one the subscription follows, one it does not.
    chosen = {p.name: p for p in build_portals(5, reports=2, slow_seconds=0.0) if p.name in ("trs", "query")}
    with PortalServer(chosen.values()):
        yield chosen["trs"], chosen["query"]


@pytest.fixture
def settings(es_settings: Settings, tmp_path: Path) -> Settings:
    keys = [SecretStr(Fernet.generate_key().decode())]
    return es_settings.model_copy(
        update={"data_dir": tmp_path / "data", "allow_private_webhooks": True, "secret_keys": keys}
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


def cycle(client: Elasticsearch, settings: Settings, *sites: Site) -> CycleOutcome:
    """`govreports watch --once --no-polite` for `sites`, in this process."""
    outcomes: list[CycleOutcome] = []
    watch(
        client,
        settings,
        sites,
        every=timedelta(hours=6),
        once=True,
        stop=StopSignal(),
        policy=POLICY,
        crawl=partial(crawl_site, polite=False),
        on_cycle=outcomes.append,
    )
    [outcome] = outcomes
    assert [run.status for run in outcome.runs] == ["ok"] * len(sites), outcome.runs
    return outcome


def indexed(client: Elasticsearch, settings: Settings, source_url: str) -> Report:
    client.indices.refresh(index=settings.index)
    hits = client.search(index=settings.index, query={"term": {"source_url": source_url}})["hits"]["hits"]
    assert len(hits) == 1, source_url
    return from_document(hits[0]["_source"])


def wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_watch_delivers_new_and_revised_reports_exactly_once(
    es_client: Elasticsearch,
    settings: Settings,
    portals: tuple[Portal, Portal],
    receiver: Receiver,
    free_port: int,
) -> None:
    followed, other = portals
    assert followed.region.city != other.region.city
    sites = (followed.site(), other.site())

    # 1. The first cycle indexes what the portals hold; nobody is subscribed yet.
    first = cycle(es_client, settings, *sites)
    assert [run.new for run in first.runs] == [2, 2]

    # 2. A subscription to one city; each portal publishes a report; one event names the followed one.
    indices = MonitorIndices(settings.index)
    ensure_indices(es_client, indices)
    spec = SubscriptionSpec(
        name="followed city",
        filters=SearchFilters(city=[followed.region.city or ""]),
        webhook_url=receiver.url,
        notify_revisions=True,
        secret="s3cret",
    )
    subscriptions.save(es_client, indices, new_subscription(spec, utc_now(), secret_box(settings)))
    added = followed.add_report()
    other.add_report()
    second = cycle(es_client, settings, *sites)
    assert [run.new for run in second.runs] == [1, 1]
    [event] = receiver.events()
    assert event["event"] == "new"
    added_url = followed.url(added.document_path)
    assert [report["url"] for report in event["reports"]] == [added_url]
    assert event["reports"][0]["region"]["city"] == followed.region.city
    assert receiver.posts[0].headers["X-Govreports-Signature"].startswith("sha256=")

    # 3. The report is corrected on the portal: one `revised` event naming the cells that changed.
    before = indexed(es_client, settings, added_url)
    followed.revise(added.key)
    third = cycle(es_client, settings, sites[0])
    assert third.runs[0].revised == 1
    after = indexed(es_client, settings, added_url)
    [revised] = receiver.events("revised")
    [report] = revised["reports"]
    assert report["id"] == before.id and report["previous_sha256"] == before.content_sha256
    assert report["content_sha256"] == after.content_sha256 != before.content_sha256
    expected = diff_cells(report_cells(before), report_cells(after))
    assert expected, "the fixture's revision changes numbers"
    assert [(c["cell"], c["old"], c["new"]) for c in report["changes"]] == [
        (c.cell, c.old, c.new) for c in expected
    ]
    assert all(" → " in c["text"] for c in report["changes"])

    # 4. The receiver is down while a new report appears: the delivery fails and is kept.
    receiver.down()
    late = followed.add_report()
    fourth = cycle(es_client, settings, sites[0])
    assert fourth.notified is not None and len(fourth.notified.sent.failed) == 1
    assert len(receiver.posts) == 2

    # 5. The long-running loop: its first cycle still finds the receiver down; the receiver comes back
    # after that cycle, and the loop retries between cycles (no crawl) when the retry falls due.
    stop = StopSignal()
    looped: list[CycleOutcome] = []

    def back_up(outcome: CycleOutcome) -> None:
        looped.append(outcome)
        receiver.up()

    loop = threading.Thread(
        target=watch,
        kwargs={
            "client": es_client,
            "settings": settings,
            "sites": [sites[0]],
            "every": timedelta(hours=6),
            "once": False,
            "stop": stop,
            "policy": POLICY,
            "crawl": partial(crawl_site, polite=False),
            "on_cycle": back_up,
        },
    )
    loop.start()
    try:
        wait_for(lambda: len(receiver.posts) >= 3, 120)
    finally:
        stop.request()
        loop.join(timeout=120)
    assert not loop.is_alive()
    # One cycle ran, with the receiver down throughout; so the POST came from the between-cycles retry.
    assert len(looped) == 1
    events = receiver.events()
    assert [body["event"] for body in events] == ["new", "revised", "new"]
    assert [report["url"] for report in events[2]["reports"]] == [followed.url(late.document_path)]
    # Every POST went once: distinct deliveries, none repeated by the cycles that followed.
    assert len({post.headers["Idempotency-Key"] for post in receiver.posts}) == len(receiver.posts) == 3

    # 6. The watch log, as /api/watch serves it: every cycle, per site, with its counts.
    with served(create_app(settings), free_port) as base_url:
        log = httpx.get(f"{base_url}/api/watch", params={"cycles": 20}).json()["cycles"]
    assert len(log) == 5
    oldest = log[-1]
    assert [(run["site"], run["status"], run["new"]) for run in oldest["sites"]] == [
        (followed.name, "ok", 2),
        (other.name, "ok", 2),
    ]
    assert all(run["fetched"] > 0 and run["started_at"] <= run["finished_at"] for run in oldest["sites"])
    assert log[2]["sites"][0]["revised"] == 1
