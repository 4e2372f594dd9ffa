"""`missing` events: subscriptions that opt in (`notify_missing`) and whose office, region and level
filters match hear once that an office published nothing for a year, and once that its report
turned up. Real Elasticsearch, the real API, a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch
from pydantic import SecretStr
from webhook_receiver import Receiver

from audit.changes import missing_changes
from audit.run import after_index, full_audit
from govreports.model import Region, Report
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.synthetic.series import OfficeSeries, office_series, without_year
from indexer.writer import index_reports
from monitor.indices import MonitorIndices, index_definition
from monitor.missing_events import MissingChange, matches
from monitor.notify import send_due
from monitor.subscriptions import SubscriptionSpec, new_subscription
from search_api.app import create_app
from search_api.query import SearchFilters
from search_api.testing import served

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
TOKEN = "t0ken-for-missing-events"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HONGZE = Region(province="江苏省", city="淮安市", county="洪泽区")
HAIZHU = Region(province="广东省", city="广州市", county="海珠区")


def change(**fields: Any) -> MissingChange:
    values: dict[str, Any] = {
        "event": "missing",
        "office_id": "a" * 40,
        "office": "洪泽区财政局",
        "names": frozenset({"洪泽区财政局", "淮安市洪泽区财政局"}),
        "region": HONGZE.model_dump(),
        "level": "department",
        "year": 2022,
        "deadline": date(2023, 1, 31),
        "detail": "no report for 2022",
    }
    return MissingChange(**(values | fields))


@pytest.mark.parametrize(
    ("filters", "opted_in", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"office": ["淮安市洪泽区财政局"]}, True, True),  # any printed name
        ({"office": ["洪泽区人民政府"]}, True, False),
        ({"province": ["江苏省"], "county": ["洪泽区"]}, True, True),
        ({"city": ["广州市"]}, True, False),
        ({"level": ["department", "county"]}, True, True),
        ({"level": ["township"]}, True, False),
        ({"q": "行政复议", "year": [2019]}, True, True),  # report filters say nothing of a missing one
    ],
)
def test_a_subscription_matches_on_office_region_and_level(
    filters: dict[str, Any], opted_in: bool, expected: bool
) -> None:
    spec = SubscriptionSpec(
        name="s", filters=SearchFilters(**filters), webhook_url="http://127.0.0.1/h", notify_missing=opted_in
    )
    assert matches(new_subscription(spec, NOW, None), change()) is expected


def office(office_id: str, missing: list[tuple[int, str]], years: list[int]) -> dict[str, Any]:
    return {
        "office_id": office_id,
        "name": "财政局",
        "names": ["财政局"],
        "region": HONGZE.model_dump(),
        "level": "department",
        "years": years,
        "missing": [
            {"year": year, "status": status, "deadline": f"{year + 1}-01-31", "detail": "d"}
            for year, status in missing
        ],
    }


def test_changes_are_what_became_missing_and_what_turned_up() -> None:
    before = {
        "a": office("a", [(2021, "unknown")], [2020]),
        "b": office("b", [(2021, "missing")], [2020, 2022]),
        "c": office("c", [(2021, "missing")], [2020, 2022]),
        "d": office("d", [(2021, "missing")], [2020, 2022]),
    }
    after = {
        "a": office("a", [(2021, "missing")], [2020]),  # a crawl found nothing: now missing
        "b": office("b", [], [2020, 2021, 2022]),  # its report turned up
        "c": office("c", [(2021, "missing")], [2020, 2022]),  # unchanged
        "d": office("d", [], [2020]),  # the later report was deleted: nothing turned up
        "e": office("e", [(2023, "missing")], [2022, 2024]),  # a new office
    }
    found = [(item.event, item.office_id, item.year) for item in missing_changes(before, after, {})]
    assert found == [
        ("missing", "a", 2021),
        ("missing_cleared", "b", 2021),
        ("missing", "e", 2023),
    ]


# --- end to end --------------------------------------------------------------------------------


def series(seed: int, name: str, region: Region) -> OfficeSeries:
    return office_series(random.Random(seed), office=name, region=region, level="department", site=f"s{seed}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


def index(client: Elasticsearch, alias: str, reports: list[Report]) -> list[str]:
    summary = index_reports(client, alias, reports)
    assert not summary.failed, summary.line()
    return [outcome.id for outcome in summary.outcomes if outcome.id]


def subscribe(api: httpx.Client, receiver: Receiver, **fields: Any) -> str:
    response = api.post(
        "/api/subscriptions", json={"name": "n", "webhook_url": receiver.url} | fields, headers=AUTH
    )
    assert response.status_code == 201, response.text
    assert response.json()["notify_missing"] is fields.get("notify_missing", False)
    subscription_id: str = response.json()["id"]
    return subscription_id


def deliver(client: Elasticsearch, settings: Settings) -> None:
    outcome = send_due(client, settings)
    assert not outcome.failed, outcome


@pytest.mark.es
@pytest.mark.timeout(300)
def test_subscribers_hear_once_of_a_missing_report_and_once_of_its_arrival(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, free_port: int, receiver: Receiver
) -> None:
    hongze, haizhu = series(1, "财政局", HONGZE), series(2, "教育局", HAIZHU)
    ensure_index(es_client, es_index)
    index(es_client, es_index, [*without_year(hongze, 2022).reports, *without_year(haizhu, 2022).reports])
    settings = es_settings.model_copy(
        update={"admin_token": SecretStr(TOKEN), "allow_private_webhooks": True}
    )
    with served(create_app(settings), free_port) as base_url, httpx.Client(base_url=base_url) as api:
        jiangsu = subscribe(api, receiver, notify_missing=True, filters={"province": ["江苏省"]})
        subscribe(api, receiver, notify_missing=False)  # did not opt in
        subscribe(api, receiver, notify_missing=True, filters={"level": ["township"]})  # another level

    summary = full_audit(es_client, settings, today=TODAY)
    assert summary.events == 1
    deliver(es_client, settings)
    [missing] = receiver.events()
    assert missing["event"] == "missing" and missing["subscription"]["id"] == jiangsu
    assert missing["year"] == 2022 and missing["office"]["region"]["county"] == "洪泽区"
    assert missing["deadline"] == "2023-01-31" and "2023" in missing["detail"]
    assert receiver.posts[0].headers["X-Govreports-Event"] == "missing"

    # Audited again, fully or after an index run that changed nothing: nothing is told twice.
    assert full_audit(es_client, settings, today=TODAY).events == 0
    unchanged = index(es_client, es_index, [hongze.reports[0]])
    assert after_index(es_client, settings, es_index, unchanged).events == 0

    # The report turns up: one `missing_cleared`, naming it, to the subscriber told of the missing.
    [late] = [report for report in hongze.reports if report.year == 2022]
    written = index(es_client, es_index, [late, *[r for r in haizhu.reports if r.year == 2022]])
    assert after_index(es_client, settings, es_index, written).events == 1
    assert after_index(es_client, settings, es_index, written).events == 0
    deliver(es_client, settings)
    assert [event["event"] for event in receiver.events()] == ["missing", "missing_cleared"]
    cleared = receiver.events("missing_cleared")[0]
    assert cleared["report_id"] == late.id
    assert cleared["office"]["office_id"] == missing["office"]["office_id"]
    assert len({post.headers["Idempotency-Key"] for post in receiver.posts}) == 2


@pytest.mark.es
def test_a_subscriptions_index_made_before_notify_missing_takes_it(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, free_port: int
) -> None:
    """An index created with the mapping as it was (strict, without the field) still takes subscriptions."""
    ensure_index(es_client, es_index)
    definition = index_definition("subscriptions")
    del definition["mappings"]["properties"]["notify_missing"]
    es_client.indices.create(index=MonitorIndices(es_index).subscriptions, **definition)
    settings = es_settings.model_copy(
        update={"admin_token": SecretStr(TOKEN), "allow_private_webhooks": True}
    )
    with served(create_app(settings), free_port) as base_url, httpx.Client(base_url=base_url) as api:
        response = api.post(
            "/api/subscriptions",
            json={"name": "n", "webhook_url": "http://127.0.0.1:9/h", "notify_missing": True},
            headers=AUTH,
        )
        assert response.status_code == 201, response.text
        [listed] = api.get("/api/subscriptions", headers=AUTH).json()["subscriptions"]
    assert listed["notify_missing"] is True
