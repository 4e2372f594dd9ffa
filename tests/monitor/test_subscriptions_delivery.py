"""Subscriptions against the real Elasticsearch and a real local webhook receiver.

Reports are indexed with the indexer's own writer. The clock is a test clock that
only moves forward, so first_seen_at windows and retry schedules are exact without
sleeping, and the tests of this module can share one set of indices.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from elasticsearch import Elasticsearch
from pydantic import SecretStr
from webhook_receiver import Receiver

from govreports.es_client import delete_prefixed
from govreports.model import AppealGroup, Appeals, ApplicationRow, Applications, Region, Report
from govreports.secrets import secret_box
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.writer import index_reports
from monitor import deliveries, subscriptions
from monitor.clock import utc_now
from monitor.deliveries import Delivery
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import NotifyOutcome, notify, plan_deliveries
from monitor.retry import RetryPolicy
from monitor.signing import verify
from monitor.subscriptions import SubscriptionSpec, new_subscription
from search_api.query import SearchFilters

pytestmark = pytest.mark.es
POLICY = RetryPolicy(first_delay=timedelta(seconds=1), expire_after=timedelta(hours=1))


class StepClock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_report(
    report_id: str,
    fetched_at: datetime,
    *,
    city: str = "广州市",
    received: int = 62,
    lawsuits: int = 0,
    version: str = "v1",
) -> Report:
    return Report(
        id=report_id,
        title=f"{report_id}街道2025年政府信息公开工作年度报告",
        office=f"{city}{report_id}街道办事处",
        region=Region(province="广东省" if city == "广州市" else "贵州省", city=city, county="白云区"),
        year=2025,
        fetched_at=fetched_at,
        content_sha256=f"{report_id}-{version}",
        format="html",
        source_url=f"http://127.0.0.1:9/{report_id}.html",
        source_site="fixture",
        text="本年度行政诉讼情况如下" if lawsuits else "本年度无行政复议",
        applications=Applications(received=ApplicationRow(natural_person=received, total=received)),
        appeals=Appeals(
            litigation_direct=AppealGroup(pending=lawsuits, total=lawsuits),
            litigation_after_review=AppealGroup(total=0),
        ),
    )


class World:
    """The indices, the clock and the receiver of one test, with the few actions the tests take."""

    def __init__(
        self, client: Elasticsearch, settings: Settings, clock: StepClock, receiver: Receiver
    ) -> None:
        self.client = client
        self.settings = settings
        self.indices = MonitorIndices(settings.index)
        self.clock = clock
        self.receiver = receiver
        self.subscriptions: list[str] = []

    def subscribe(self, **fields: Any) -> str:
        spec = SubscriptionSpec.model_validate(
            {"name": "广州", "filters": SearchFilters(city=["广州市"]), "webhook_url": self.receiver.url}
            | fields
        )
        subscription = new_subscription(spec, self.clock(), secret_box(self.settings))
        subscriptions.save(self.client, self.indices, subscription)
        self.subscriptions.append(subscription.id)
        return subscription.id

    def publish(self, name: str, **fields: Any) -> str:
        """Index a report first fetched a minute from now; returns its (test-unique) id."""
        report_id = f"{name}-{uuid.uuid4().hex[:8]}"
        self.index(make_report(report_id, self.clock.advance(minutes=1), **fields))
        return report_id

    def index(self, *reports: Report) -> None:
        summary = index_reports(self.client, self.indices.reports, reports)
        assert summary.failed == 0, summary.outcomes

    def run(self, *, settings: Settings | None = None, **later: float) -> NotifyOutcome:
        self.clock.advance(**(later or {"minutes": 1}))
        return notify(self.client, settings or self.settings, clock=self.clock, policy=POLICY)

    def delivery(self, delivery_id: str) -> Delivery:
        stored = deliveries.get(self.client, self.indices, delivery_id)
        assert stored is not None
        return stored

    def reported_ids(self, event: str | None = None) -> list[str]:
        return [report["id"] for body in self.receiver.events(event) for report in body["reports"]]


@pytest.fixture(scope="module")
def clock() -> StepClock:
    # One clock for the module, only ever moving forward: a test's subscriptions are created after
    # every report of the tests before it was first seen, so those never fall into its windows.
    return StepClock()


@pytest.fixture(scope="module")
def settings(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[Settings]:
    """One report index and one set of monitor indices for the module: creating and deleting five
    indices per test would cost more than the tests themselves on a shared node."""
    alias = f"test-{uuid.uuid4().hex}"
    ensure_index(es_client, alias)
    ensure_indices(es_client, MonitorIndices(alias))
    keys = [SecretStr(Fernet.generate_key().decode())]
    yield es_session_settings.model_copy(
        update={"index": alias, "allow_private_webhooks": True, "secret_keys": keys}
    )
    delete_prefixed(es_client, alias)


@pytest.fixture
def world(es_client: Elasticsearch, settings: Settings, clock: StepClock) -> Iterator[World]:
    receiver = Receiver()
    current = World(es_client, settings, clock, receiver)
    yield current
    receiver.down()
    # A later test's passes then cancel whatever this test left pending.
    for subscription_id in current.subscriptions:
        es_client.delete(index=current.indices.subscriptions, id=subscription_id, refresh=True)


def test_new_matching_report_is_delivered_once(world: World) -> None:
    subscription_id = world.subscribe()
    report_id = world.publish("gz")
    world.publish("gy", city="贵阳市")
    world.run()
    [event] = world.receiver.events()
    assert event["event"] == "new" and event["subscription"]["id"] == subscription_id
    assert world.reported_ids() == [report_id] and event["total"] == 1
    [report] = event["reports"]
    assert report["office"] == f"广州市{report_id}街道办事处" and report["year"] == 2025
    assert report["title"] == f"{report_id}街道2025年政府信息公开工作年度报告"
    assert report["totals"]["applications_received"] == 62
    assert report["url"] == f"http://127.0.0.1:9/{report_id}.html"
    headers = world.receiver.posts[0].headers
    assert headers["Idempotency-Key"] == headers["X-Govreports-Delivery"] == event["delivery_id"]
    assert headers["X-Govreports-Event"] == "new"
    assert "X-Govreports-Signature" not in headers
    world.run()
    world.run()
    assert len(world.receiver.posts) == 1


def test_reports_seen_before_the_subscription_are_not_new_to_it(world: World) -> None:
    world.publish("gz")
    world.clock.advance(minutes=1)
    world.subscribe()
    world.run()
    assert world.receiver.posts == []


def test_filters_select_what_a_subscription_hears_about(world: World) -> None:
    world.subscribe(filters=SearchFilters(q="行政诉讼", min_lawsuits=1), name="诉讼")
    sued = world.publish("sued", lawsuits=2)
    world.publish("calm")
    elsewhere = world.publish("gy", city="贵阳市", lawsuits=1)
    world.run()
    assert len(world.receiver.posts) == 1
    assert sorted(world.reported_ids()) == sorted([sued, elsewhere])


def test_signed_delivery_verifies_with_the_secret(world: World) -> None:
    world.subscribe(secret="s3cret")
    world.publish("gz")
    world.run()
    [post] = world.receiver.posts
    assert verify(post.body, "s3cret", post.headers["X-Govreports-Signature"])
    assert not verify(post.body, "wrong", post.headers["X-Govreports-Signature"])


def test_revision_is_delivered_with_the_changed_cells(world: World) -> None:
    world.subscribe(notify_revisions=True)
    report_id = world.publish("gz")
    world.run()
    world.index(make_report(report_id, world.clock.advance(hours=6), received=63, version="v2"))
    world.run()
    assert [body["event"] for body in world.receiver.events()] == ["new", "revised"]
    [report] = world.receiver.events("revised")[0]["reports"]
    assert report["id"] == report_id
    assert (report["previous_sha256"], report["content_sha256"]) == (f"{report_id}-v1", f"{report_id}-v2")
    assert [change["text"] for change in report["changes"]] == [
        "applications.received.natural_person: 62 → 63",
        "applications.received.total: 62 → 63",
    ]
    world.run()
    assert len(world.receiver.posts) == 2


def test_revisions_are_not_sent_unless_asked_for(world: World) -> None:
    world.subscribe()
    report_id = world.publish("gz")
    world.run()
    world.index(make_report(report_id, world.clock.advance(hours=1), received=1, version="v2"))
    world.run()
    assert [body["event"] for body in world.receiver.events()] == ["new"]


def test_failed_delivery_is_retried_until_the_receiver_is_back(world: World) -> None:
    world.subscribe()
    report_id = world.publish("gz")
    world.receiver.down()
    outcome = world.run()
    [delivery_id] = outcome.recorded
    assert outcome.sent.failed == [delivery_id]
    world.receiver.up()
    world.receiver.status = 500
    # Not due yet: the first retry waits POLICY.first_delay.
    assert delivery_id not in world.run(milliseconds=500).sent.failed
    assert delivery_id in world.run(seconds=2).sent.failed
    failing = world.delivery(delivery_id)
    assert (failing.status, failing.attempts, failing.last_status) == ("pending", 2, 500)
    world.receiver.status = 204
    outcome = world.run(seconds=3)
    assert outcome.sent.delivered == [delivery_id] and outcome.recorded == []
    [event] = world.receiver.events()
    assert event["delivery_id"] == delivery_id and world.reported_ids() == [report_id]
    assert world.receiver.posts[0].headers["Idempotency-Key"] == delivery_id
    world.run(hours=1)
    assert len(world.receiver.posts) == 1
    delivered = world.delivery(delivery_id)
    assert (delivered.status, delivered.attempts) == ("delivered", 3)


def test_a_run_that_died_before_moving_the_watermark_sends_nothing_twice(world: World) -> None:
    subscription_id = world.subscribe()
    before = subscriptions.load(world.client, world.indices, subscription_id)
    first_report = world.publish("gz")
    first = plan_deliveries(world.client, world.indices, clock=world.clock, policy=POLICY)
    # Undo the watermark move, as if the run had died right after recording its delivery.
    subscriptions.move_watermark(
        world.client, world.indices, subscription_id, "new_watermark", before.new_watermark
    )
    second_report = world.publish("gz")
    second = plan_deliveries(world.client, world.indices, clock=world.clock, policy=POLICY)
    assert len(first.recorded) == len(second.recorded) == 1 and first.recorded != second.recorded
    world.run()
    assert sorted(world.reported_ids()) == sorted([first_report, second_report])
    assert len(world.receiver.posts) == 2


def test_undeliverable_events_expire_and_deleted_subscriptions_cancel(world: World) -> None:
    kept = world.subscribe(name="kept")
    dropped = world.subscribe(name="dropped")
    world.publish("gz")
    world.receiver.down()
    outcome = world.run()
    assert len(outcome.sent.failed) == 2
    by_subscription = {world.delivery(d).subscription_id: d for d in outcome.recorded}
    world.client.delete(index=world.indices.subscriptions, id=dropped, refresh=True)
    world.subscriptions.remove(dropped)
    outcome = world.run(hours=2)
    assert by_subscription[kept] in outcome.sent.expired
    assert by_subscription[dropped] in outcome.sent.cancelled
    assert world.delivery(by_subscription[kept]).status == "expired"
    assert world.delivery(by_subscription[dropped]).status == "cancelled"


def test_private_webhook_is_refused_at_send_time_unless_allowed(world: World) -> None:
    world.subscribe()
    world.publish("gz")
    strict = world.settings.model_copy(update={"allow_private_webhooks": False})
    outcome = world.run(settings=strict)
    [failed] = outcome.sent.failed
    assert "non-public" in (world.delivery(failed).last_error or "")
    assert world.receiver.posts == []


def test_event_body_is_stored_verbatim(world: World) -> None:
    world.subscribe()
    report_id = world.publish("gz")
    outcome = world.run()
    stored = world.delivery(outcome.recorded[0])
    assert world.receiver.posts[0].body == stored.body.encode("utf-8")
    assert json.loads(stored.body)["reports"][0]["id"] == report_id
