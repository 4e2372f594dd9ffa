"""Pure pieces of the API and page: response shaping, CSV rows, the form layout and failing cells."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

import orjson
import pytest
from starlette.datastructures import QueryParams

from govreports.keys import APPLICATION_ROWS, OTHER_SUB_ROWS
from govreports.model import TOTAL_KEYS, Report
from indexer.documents_es import to_document
from indexer.synthetic import RULES, random_report
from search_api import csv_export, presentation
from search_api.query import FACETS, HIT_FIELDS, TOTAL_AGGREGATION, SearchFilters, SearchParams
from search_api.results import clean_fragment, facet_entries, search_body, to_stats_group
from search_api.routes.page import page_params, url_with, web_link
from search_api.schemas import SearchResponse


@pytest.mark.parametrize(
    ("fragment", "cleaned"),
    [
        ("严格\u2009规范\u2009<em>依申请公开</em>\u2009办理", "严格规范<em>依申请公开</em>办理"),
        ("<em>依</em><em>申</em>\u2009<em>请</em>公开", "<em>依申请</em>公开"),
        ("<em>open</em> <em>data</em>", "<em>open data</em>"),
        ("&lt;script&gt;\u2009<em>公开</em>", "&lt;script&gt;<em>公开</em>"),
        ("无匹配", "无匹配"),
    ],
)
def test_a_fragment_is_unsegmented_with_one_mark_per_match(fragment: str, cleaned: str) -> None:
    assert clean_fragment(fragment) == cleaned


def test_facet_entries_keep_a_selected_value_that_nothing_matches() -> None:
    buckets = [{"key": 2021, "doc_count": 5}, {"key": 2020, "doc_count": 2}]

    entries = facet_entries("year", buckets, selected=[2020, 2018])

    assert entries == [
        {"value": 2021, "count": 5, "selected": False},
        {"value": 2020, "count": 2, "selected": True},
        {"value": 2018, "count": 0, "selected": True},
    ]


def test_the_consistent_facet_speaks_booleans() -> None:
    buckets = [
        {"key": 1, "key_as_string": "true", "doc_count": 9},
        {"key": 0, "key_as_string": "false", "doc_count": 3},
    ]

    entries = facet_entries("consistent", buckets, SearchFilters(consistent=False).selected("consistent"))

    assert [(entry["value"], entry["count"], entry["selected"]) for entry in entries] == [
        (True, 9, False),
        (False, 3, True),
    ]


def stats_bucket(**sums: tuple[float, int]) -> dict[str, Any]:
    bucket: dict[str, Any] = {"key": {"group": "广东省"}, "doc_count": 4}
    for key in TOTAL_KEYS:
        total, given = sums.get(key, (0.0, 0))
        bucket[f"sum_{key}"] = {"value": total}
        bucket[f"has_{key}"] = {"value": given}
    bucket["rated"] = {"doc_count": 3, "granted": {"value": 30.0}, "handled": {"value": 120.0}}
    return bucket


def _hits_answer(sources: list[dict[str, Any]]) -> dict[str, Any]:
    hits = [{"_source": source, "highlight": {"text": ["严格\u2009<em>公开</em>"]}} for source in sources]
    hits[0].pop("highlight")
    return {"hits": {"hits": hits}}


def _facets_answer() -> dict[str, Any]:
    buckets: dict[str, list[dict[str, Any]]] = {facet: [{"key": "甲", "doc_count": 3}] for facet in FACETS}
    buckets["year"] = [{"key": 2021, "doc_count": 3}]
    buckets["consistent"] = [{"key": 1, "key_as_string": "true", "doc_count": 2}]
    buckets["copied"] = [{"key": 0, "key_as_string": "false", "doc_count": 3}]
    buckets["ocr"] = [{"key": 1, "key_as_string": "true", "doc_count": 1}]
    aggregations: dict[str, Any] = {facet: {"values": {"buckets": buckets[facet]}} for facet in FACETS}
    aggregations[TOTAL_AGGREGATION] = {"doc_count": 3}
    return {"aggregations": aggregations}


def test_the_search_body_is_exactly_what_the_response_model_gives() -> None:
    """The route serialises the body without validating it: it must already be the model's dump."""
    rng = random.Random(11)
    sources = [
        {key: value for key, value in to_document(random_report(rng).truth).items() if key in HIT_FIELDS}
        for _ in range(6)
    ]
    sources[1] = {"id": "bare"}  # no region, no totals, nothing optional
    sources[2]["totals"] = {"procurement_yuan": 1200, "granted": 3}  # a float key stored as an integer
    sources[3]["region"] = {"province": "浙江省"}
    params = SearchParams.model_validate({"year": [2021, 2019], "province": ["浙江省"]})

    body = search_body(7, _hits_answer(sources), _facets_answer(), params)

    assert SearchResponse.model_validate(body).model_dump(mode="json") == body
    assert orjson.loads(orjson.dumps(body)) == body
    assert body["hits"][2]["totals"]["procurement_yuan"] == 1200.0
    assert isinstance(body["hits"][2]["totals"]["procurement_yuan"], float)
    assert body["hits"][1]["highlight"] == ["严格<em>公开</em>"]


def test_a_stats_group_sums_what_is_given_and_derives_the_grant_rate() -> None:
    bucket = stats_bucket(applications_received=(150.0, 4), procurement_yuan=(2500.5, 1), lawsuits=(0.0, 2))

    group = to_stats_group("province", bucket)

    assert group.value == "广东省" and group.count == 4
    assert group.totals["applications_received"] == 150 and isinstance(
        group.totals["applications_received"], int
    )
    assert group.totals["procurement_yuan"] == 2500.5
    assert group.totals["lawsuits"] == 0  # given, and zero
    assert group.totals["reviews"] is None  # no report in the group gives it
    assert group.totals["grant_rate"] == 0.25
    assert list(group.totals) == list(TOTAL_KEYS)


def test_csv_rows_carry_identity_and_totals_and_defuse_formulas() -> None:
    source = {
        "id": "abc",
        "title": "甲\u2009区\u2009年度报告",
        "office": '=HYPERLINK("x")',
        "region": {"province": "广东省", "city": None, "county": None},
        "year": 2021,
        "consistent": False,
        "totals": {"applications_received": 0, "grant_rate": 0.5},
    }

    text = csv_export.header() + csv_export.batch([source])

    assert text.startswith(csv_export.BOM)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(csv_export.BOM))))
    assert rows[0]["title"] == "甲区年度报告"
    assert rows[0]["office"] == '\'=HYPERLINK("x")'
    assert (rows[0]["province"], rows[0]["city"]) == ("广东省", "")
    assert (rows[0]["applications_received"], rows[0]["grant_rate"], rows[0]["lawsuits"]) == ("0", "0.5", "")
    assert rows[0]["consistent"] == "false"


def spans_are_rectangular(layout: list[presentation.MatrixRow]) -> bool:
    """Every printed row has exactly three label columns once row spans from above are counted."""
    carried: list[int] = []  # rows still covered by each open rowspan
    for row in layout:
        covered = len([left for left in carried if left > 0])
        width = covered + sum(label.colspan for label in row.labels)
        if width != 3:
            return False
        carried = [left - 1 for left in carried if left > 1] + [label.rowspan - 1 for label in row.labels]
        carried = [left for left in carried if left > 0]
    return True


@pytest.mark.parametrize("sub_rows", [True, False])
def test_the_matrix_layout_prints_every_row_once_in_order(sub_rows: bool) -> None:
    layout = presentation.application_layout(sub_rows)

    keys = [row.key for row in layout]
    expected = [
        row
        for row in APPLICATION_ROWS
        if (row in OTHER_SUB_ROWS) == sub_rows or row not in (*OTHER_SUB_ROWS, "other")
    ]
    assert keys == expected
    assert spans_are_rectangular(layout)
    assert layout[2].labels[0].text == "三、本年度办理结果"
    assert layout[2].labels[0].rowspan == len(keys) - 3


def cells_of_rule(report: Report, rule: str) -> set[presentation.Cell]:
    cells = presentation.failing_cells(report)
    if rule == "appeals_sum":
        return {cell for cell in cells if cell[0] == "appeals"}
    return {cell for cell in cells if cell[0] == "applications"}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("rule", RULES)
def test_failing_cells_point_at_the_broken_rule(rule: str, seed: int) -> None:
    report = random_report(random.Random(seed), break_rule=rule).truth  # type: ignore[arg-type]

    cells = presentation.failing_cells(report)
    failed = {check.rule for check in report.checks if check.passed is False}

    assert failed == {rule}
    assert cells, "a broken rule marks at least one cell"
    if rule == "appeals_sum":
        assert all(table == "appeals" and column == "total" for table, _, column in cells)
    if rule == "row_sum":
        assert all(column == "total" for _, _, column in cells)
    if rule == "balance":
        assert {row for _, row, _ in cells} >= {
            "received",
            "carried_over",
            "handled_total",
            "carried_forward",
        }


@pytest.mark.parametrize("seed", range(10))
def test_a_consistent_report_has_no_failing_cells(seed: int) -> None:
    report = random_report(random.Random(seed)).truth

    assert report.consistent is True
    assert presentation.failing_cells(report) == set()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, ""), (0, "0"), (15697, "15,697"), (3622400.0, "3,622,400"), (362.24, "362.24"), (52.5, "52.5")],
)
def test_numbers_print_like_the_form(value: float | None, shown: str) -> None:
    assert presentation.number(value) == shown


def test_money_shows_in_wan_yuan_as_the_form_prints_it() -> None:
    report = random_report(random.Random(1), template="2021").truth
    assert report.active is not None
    amount = report.active.fees.amount_yuan  # type: ignore[union-attr]

    assert presentation.active_cell(report.active, "fees", "amount_yuan") == (
        None if amount is None else amount / 10_000
    )


def test_page_params_drop_blank_fields_and_keep_lists() -> None:
    params = page_params(QueryParams("q=公开&year=2020&year=2021&min_lawsuits=&sort=&consistent=false"))

    assert (params.q, params.year, params.min_lawsuits, params.sort, params.consistent) == (
        "公开",
        [2020, 2021],
        None,
        None,
        False,
    )


def test_url_with_replaces_and_removes_parameters() -> None:
    query = QueryParams("q=公开&year=2020&year=2021&page=3&min_lawsuits=")

    assert url_with(query, page=4) == "?q=%E5%85%AC%E5%BC%80&year=2020&year=2021&page=4"
    assert url_with(query, page=None, q=None) == "?year=2020&year=2021"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://www.gov.cn/a.html", "https://www.gov.cn/a.html"),
        ("http://x.gov.cn/", "http://x.gov.cn/"),
        ("javascript:alert(1)", None),
        ("file:///tmp/report.pdf", None),
        (None, None),
    ],
)
def test_only_web_urls_become_links(url: str | None, link: str | None) -> None:
    assert web_link(url) == link
