"""What a revision alert says changed, and the event bodies: pure functions over reports."""

import json
import random
from datetime import UTC, datetime

import pytest

from govreports.model import Active2021, AppealGroup, Appeals, ApplicationRow, Applications, Report
from indexer.documents_es import to_document
from indexer.synthetic import random_report
from monitor.cells import CellChange, Cells, diff_cells, document_cells, report_cells
from monitor.events import ChangedCell, Event, SubscriptionRef, delivery_id, new_report, revised_report
from monitor.summaries import summary_of
from monitor.versions import Version


def report(received_total: int | None = 62, penalties: int | None = 3) -> Report:
    return Report(
        id="r1",
        title="均禾街2021年政府信息公开工作年度报告",
        office="均禾街",
        year=2021,
        content_sha256="sha-new",
        format="html",
        source_url="http://127.0.0.1:8001/r1.html",
        active=Active2021.model_validate({"penalties": {"decisions": penalties}}),
        applications=Applications(
            received=ApplicationRow(natural_person=received_total, total=received_total)
        ),
        appeals=Appeals(review=AppealGroup(upheld=1, total=1)),
    )


def test_cells_are_named_by_their_model_path() -> None:
    cells = report_cells(report())
    assert cells["applications.received.total"] == 62
    assert cells["applications.received.commercial"] is None
    assert cells["active.penalties.decisions"] == 3
    assert cells["appeals.review.total"] == 1
    assert len([name for name in cells if name.startswith("applications.")]) == 26 * 7
    assert not any(name.startswith("totals") for name in cells)


@pytest.mark.parametrize("seed", range(20))
def test_an_index_document_has_the_cells_of_its_report(seed: int) -> None:
    report = random_report(random.Random(seed)).truth
    document = json.loads(json.dumps(to_document(report)))  # as Elasticsearch hands it back
    assert list(document_cells(document).items()) == list(report_cells(report).items())


def test_report_without_tables_has_no_cells() -> None:
    assert report_cells(Report(id="x", content_sha256="s", format="txt")) == {}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"a": 1, "b": 2}, {"a": 1, "b": 2}, []),
        ({"a": 62}, {"a": 63}, ["a: 62 → 63"]),
        ({"a": None}, {"a": 0}, ["a: null → 0"]),
        ({"a": 5}, {"a": None}, ["a: 5 → null"]),
        ({"a": 1.0}, {"a": 1}, []),
        ({"m": 3622400.0}, {"m": 3622500.5}, ["m: 3622400 → 3622500.5"]),
        # A cell the new version no longer has (template change) is listed after the others.
        ({"gone": 4, "a": 1}, {"a": 2, "added": 7}, ["a: 1 → 2", "added: null → 7", "gone: 4 → null"]),
        ({"x": None}, {}, []),
    ],
)
def test_diff_lists_changed_cells(old: Cells, new: Cells, expected: list[str]) -> None:
    assert [change.describe() for change in diff_cells(old, new)] == expected


def test_diff_of_two_report_versions() -> None:
    changes = diff_cells(report_cells(report(62, 3)), report_cells(report(63, 3)))
    assert changes == [
        CellChange("applications.received.natural_person", 62, 63),
        CellChange("applications.received.total", 62, 63),
    ]
    assert changes[1].describe() == "applications.received.total: 62 → 63"


def test_event_bodies_are_json_with_reports_and_changes() -> None:
    summary = summary_of(report())
    changes = [ChangedCell.of(CellChange("applications.received.total", 62, 63))]
    moment = datetime(2025, 2, 1, tzinfo=UTC)
    event = Event(
        event="revised",
        delivery_id="d1",
        subscription=SubscriptionRef(id="s1", name="广州"),
        created_at=moment,
        since=moment,
        until=moment,
        total=1,
        reports=[revised_report(summary, "sha-new", "sha-old", changes)],
    )
    body = json.loads(event.body())
    [item] = body["reports"]
    assert body["event"] == "revised" and body["subscription"] == {"id": "s1", "name": "广州"}
    assert item["id"] == "r1" and item["office"] == "均禾街" and item["year"] == 2021
    assert item["url"] == "http://127.0.0.1:8001/r1.html"
    assert item["totals"]["applications_received"] == 62
    assert item["previous_sha256"] == "sha-old" and item["content_sha256"] == "sha-new"
    assert item["changes"] == [
        {
            "cell": "applications.received.total",
            "old": 62,
            "new": 63,
            "text": "applications.received.total: 62 → 63",
        }
    ]
    assert "均禾街" in event.body().decode("utf-8")


def test_new_event_reports_have_no_change_list() -> None:
    item = new_report(summary_of(report()))
    assert item.changes is None and item.previous_sha256 is None and item.url == item.source_url


def test_delivery_id_is_stable_per_subscription_event_and_window() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert delivery_id("s1", "new", start) == delivery_id("s1", "new", start)
    assert (
        len(
            {
                delivery_id("s1", "new", start),
                delivery_id("s1", "revised", start),
                delivery_id("s2", "new", start),
                delivery_id("s1", "new", start.replace(hour=1)),
            }
        )
        == 4
    )


@pytest.mark.parametrize("with_changes", [False, True])
def test_a_ledger_document_is_the_versions_json_dump(with_changes: bool) -> None:
    old, new = report(received_total=62), report(received_total=63, penalties=None)
    recorded_at = datetime(2026, 3, 1, 8, 30, 15, 123000, tzinfo=UTC)
    changes = [ChangedCell.of(change) for change in diff_cells(report_cells(old), report_cells(new))]
    version = Version(
        report_id="r1",
        content_sha256="c" * 64,
        fetched_at=datetime(2026, 2, 28, tzinfo=UTC),
        recorded_at=recorded_at,
        revision=with_changes,
        previous_sha256="p" * 64 if with_changes else None,
        cells=report_cells(new),
        changes=changes if with_changes else None,
    )

    dump = version.model_dump(mode="json")
    dump |= {"recorded_at": "2026-03-01T08:30:15.123+00:00", "fetched_at": "2026-02-28T00:00:00.000+00:00"}
    assert version.document() == dump
    assert json.loads(json.dumps(version.document())) == version.document()
