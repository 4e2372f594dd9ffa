"""/api/stats and /api/export.csv against the real local Elasticsearch, checked against the truth."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.model import TOTAL_KEYS, Report
from govreports.settings import Settings
from search_api import store
from search_api.csv_export import BOM, COLUMNS
from search_api.testing import InProcessClient, api_over_corpus, synthetic_corpus

pytestmark = pytest.mark.es

TRUTH = synthetic_corpus(seed=7, offices=25)
GROUP_VALUES: dict[str, Callable[[Report], Any]] = {
    "year": lambda report: report.year,
    "province": lambda report: report.region.province,
    "city": lambda report: report.region.city,
    "county": lambda report: report.region.county,
    "office": lambda report: report.office,
    "level": lambda report: report.level,
}
FILTERS: dict[str, Callable[[Report], bool]] = {
    "": lambda report: True,
    "consistent=false": lambda report: report.consistent is False,
    "year_from=2021": lambda report: report.year is not None and report.year >= 2021,
    "min_applications_received=10": lambda report: (report.totals.applications_received or 0) >= 10,
}


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    with api_over_corpus(es_client, es_session_settings, TRUTH) as client:
        yield client


def query_params(filter_name: str) -> dict[str, str]:
    return dict([filter_name.split("=")]) if filter_name else {}


def expected_groups(group_by: str, reports: list[Report]) -> list[dict[str, Any]]:
    members: dict[Any, list[Report]] = defaultdict(list)
    for report in reports:
        if (value := GROUP_VALUES[group_by](report)) is not None:
            members[value].append(report)
    groups = []
    for value in sorted(members):
        group = members[value]
        totals: dict[str, Any] = {}
        for key in TOTAL_KEYS:
            given = [
                getattr(report.totals, key) for report in group if getattr(report.totals, key) is not None
            ]
            totals[key] = sum(given) if given else None
        rated = [report.totals for report in group if report.totals.grant_rate is not None]
        handled = sum(totals.applications_handled or 0 for totals in rated)
        granted = sum(totals.granted or 0 for totals in rated)
        totals["grant_rate"] = pytest.approx(granted / handled) if rated else None
        if totals["procurement_yuan"] is not None:
            totals["procurement_yuan"] = pytest.approx(totals["procurement_yuan"])
        groups.append({"value": value, "count": len(group), "totals": totals})
    return groups


@pytest.mark.parametrize("filter_name", list(FILTERS))
@pytest.mark.parametrize("group_by", list(GROUP_VALUES))
def test_stats_count_and_sum_each_group(api: InProcessClient, group_by: str, filter_name: str) -> None:
    matching = [report for report in TRUTH if FILTERS[filter_name](report)]

    response = api.get("/api/stats", params={"group_by": group_by, **query_params(filter_name)})

    assert response.status_code == 200
    body = response.json()
    assert body["group_by"] == group_by
    assert body["total"] == len(matching)
    assert body["groups"] == expected_groups(group_by, matching)


def test_stats_walks_every_page_of_groups(api: InProcessClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("search_api.query.STATS_PAGE", 3)
    offices = {report.office for report in TRUTH if report.office}

    body = api.get("/api/stats", params={"group_by": "office"}).json()

    assert len(offices) > 3
    assert [group["value"] for group in body["groups"]] == sorted(offices)


def test_stats_refuses_an_unknown_grouping(api: InProcessClient) -> None:
    response = api.get("/api/stats", params={"group_by": "colour"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["parameter"] == "group_by"


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))


@pytest.mark.parametrize("filter_name", list(FILTERS))
def test_export_has_every_matching_report_across_batches(
    api: InProcessClient, monkeypatch: pytest.MonkeyPatch, filter_name: str
) -> None:
    # Small batches make the export page through search_after several times.
    monkeypatch.setattr(store, "EXPORT_BATCH", 7)
    matching = {report.id: report for report in TRUTH if FILTERS[filter_name](report)}

    response = api.get("/api/export.csv", params=query_params(filter_name))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM.encode("utf-8"))
    rows = read_csv(response.text)
    assert list(rows[0]) == list(COLUMNS)
    assert sorted(row["id"] for row in rows) == sorted(matching)
    for row in rows:
        report = matching[row["id"]]
        assert row["title"] == report.title and row["office"] == report.office
        assert row["province"] == (report.region.province or "")
        received = report.totals.applications_received
        assert row["applications_received"] == ("" if received is None else str(received))
        assert row["consistent"] == {True: "true", False: "false", None: ""}[report.consistent]


def test_export_follows_the_sort(api: InProcessClient) -> None:
    rows = read_csv(api.get("/api/export.csv", params={"sort": "-applications_received"}).text)

    received = [int(row["applications_received"]) for row in rows if row["applications_received"]]
    assert received == sorted(received, reverse=True)
    assert len(rows) == len(TRUTH)
