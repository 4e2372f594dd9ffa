"""/api/offices, /api/offices/{id}, /api/audit, /api/audit.csv and the audit's search filters, over a
real index of generated series that the audit has run on."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from audit.run import full_audit
from govreports.es_client import delete_prefixed
from govreports.model import Report
from govreports.settings import Settings
from indexer.synthetic.series import OfficeSeries, corpus, reports_of
from search_api.app import create_app
from search_api.testing import InProcessClient, in_process, index_corpus

pytestmark = pytest.mark.es

TODAY = date(2026, 6, 1)
SERIES = corpus(seed=41, offices=24, departing=0.7, copies_across=4)
REPORTS = reports_of(SERIES)
BY_ID = {report.id: report for report in REPORTS}


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    alias = f"test-{uuid.uuid4().hex}"
    settings = es_session_settings.model_copy(update={"index": alias})
    try:
        index_corpus(es_client, alias, REPORTS)
        full_audit(es_client, settings, today=TODAY)
        with in_process(create_app(settings)) as client:
            yield client
    finally:
        delete_prefixed(es_client, alias)


def get(api: InProcessClient, path: str, **params: Any) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def office_of(api: InProcessClient, report: Report) -> str:
    office_id: str = get(api, f"/api/reports/{report.id}")["office_id"]
    return office_id


def series_with(rule: str) -> OfficeSeries:
    return next(item for item in SERIES if any(planted.rule == rule for planted in item.planted))


def test_offices_are_listed_once_each_with_their_years(api: InProcessClient) -> None:
    body = get(api, "/api/offices", size=100)
    assert body["total"] == len(SERIES)
    entry = body["offices"][0]
    assert set(entry) == {"office_id", "name", "region", "level", "reports", "years"}
    assert sum(office["reports"] for office in body["offices"]) == len(REPORTS)


def test_offices_match_any_printed_name_and_filter_by_region_and_level(api: InProcessClient) -> None:
    item = SERIES[0]
    printed = item.reports[0].office or ""
    body = get(api, "/api/offices", q=printed)
    assert office_of(api, item.reports[0]) in [office["office_id"] for office in body["offices"]]
    province = item.region.province
    in_province = get(api, "/api/offices", province=province, size=100)
    assert in_province["total"] == sum(other.region.province == province for other in SERIES)
    assert all(
        office["level"] == "department" for office in get(api, "/api/offices", level="department")["offices"]
    )
    paged = get(api, "/api/offices", size=5, page=2)
    assert len(paged["offices"]) == 5 and paged["total"] == len(SERIES)


def test_an_office_year_by_year(api: InProcessClient) -> None:
    item = series_with("missing")
    office_id = office_of(api, item.reports[0])
    body = get(api, f"/api/offices/{office_id}")
    assert set(body) == {"office_id", "name", "names", "region", "level", "years"}
    assert set(body["names"]) == {report.office for report in item.reports}
    assert body["name"] == item.reports[-1].office  # the latest printed name
    missing_year = next(planted.year for planted in item.planted if planted.rule == "missing")
    entries = {entry["year"]: entry for entry in body["years"]}
    assert entries[missing_year]["report_id"] is None
    assert entries[missing_year]["timeliness"]["status"] == "missing"
    present = entries[max(entries)]
    assert {
        "year",
        "report_id",
        "title",
        "published_date",
        "timeliness",
        "totals",
        "consistent",
        "cross_year",
        "reuse",
    } <= set(present)
    assert set(present["cross_year"]) == {"carry_chain", "in_force_chain", "items_chain"}
    assert set(present["reuse"]) == {"previous", "nearest", "nearest_report_id", "flagged"}
    assert set(present["timeliness"]) == {"status", "deadline", "days_late"}


def test_an_unknown_office_is_404_and_a_malformed_id_422(api: InProcessClient) -> None:
    assert api.get("/api/offices/" + "0" * 40).status_code == 404
    assert api.get("/api/offices/not-an-id").status_code == 422


def test_findings_are_the_planted_departures(api: InProcessClient) -> None:
    body = get(api, "/api/audit", size=100)
    planted = sum(len(item.planted) for item in SERIES)
    assert body["total"] == planted
    first = body["findings"][0]
    assert {
        "rule",
        "severity",
        "office_id",
        "office",
        "year",
        "report_id",
        "other_report_id",
        "cells",
        "detail",
    } <= set(first)
    carry = get(api, "/api/audit", rule="carry_chain", size=100)["findings"]
    assert carry and all(finding["severity"] == "error" and finding["other_report_id"] for finding in carry)
    assert all(any(cell.endswith("carried_over.total") for cell in finding["cells"]) for finding in carry)
    item = series_with("late")
    office_id = office_of(api, item.reports[0])
    late_year = next(planted.year for planted in item.planted if planted.rule == "late")
    late = get(api, "/api/audit", office_id=office_id, rule="late", year=late_year)
    assert late["total"] == 1 and late["findings"][0]["report_id"] in BY_ID


def test_a_bad_rule_is_422(api: InProcessClient) -> None:
    assert api.get("/api/audit", params={"rule": "sloppy"}).status_code == 422


def test_the_csv_holds_the_same_rows_with_links(api: InProcessClient) -> None:
    response = api.get("/api/audit.csv", params={"rule": "copied"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == get(api, "/api/audit", rule="copied")["total"] > 0
    assert all(row["报告"].endswith(f"/reports/{row['report_id']}") for row in rows)
    assert all(row["对照报告"].endswith(row["other_report_id"]) and row["other_report_id"] for row in rows)


def test_a_report_has_its_office_id(api: InProcessClient) -> None:
    office_ids = {office_of(api, report) for report in SERIES[1].reports}
    assert len(office_ids) == 1 and len(office_ids.pop()) == 40


@pytest.mark.parametrize(
    ("params", "rule"),
    [({"timeliness": "late"}, "late"), ({"chain": "broken"}, None), ({"copied": "true"}, "copied")],
)
def test_search_filters_and_facets_of_the_audit(
    api: InProcessClient, params: dict[str, str], rule: str | None
) -> None:
    body = get(api, "/api/search", size=100, **params)
    assert body["total"] > 0
    (facet,) = params
    selected = [entry for entry in body["facets"][facet] if entry["selected"]]
    assert len(selected) == 1 and selected[0]["count"] == body["total"]
    if rule is not None:
        planted = {
            (item.reports[0].source_site, planted.year)
            for item in SERIES
            for planted in item.planted
            if planted.rule == rule
        }
        found = {(BY_ID[hit["id"]].source_site, hit["year"]) for hit in body["hits"]}
        assert found == planted
    everything = get(api, "/api/search", size=1)
    assert sum(entry["count"] for entry in everything["facets"][facet]) == len(REPORTS)
