"""The query builder as plain dicts: no Elasticsearch, no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from govreports.model import TOTAL_KEYS
from search_api.query import (
    FACETS,
    OFFICE_FIELD,
    WORD_FIELDS,
    SearchFilters,
    SearchParams,
    StatsParams,
    build_facet_aggs,
    build_filters,
    build_query,
    build_search_bodies,
    build_sort,
    build_stats_body,
    build_text_query,
    facet_filters,
    split_query,
)


def filters(**values: Any) -> SearchFilters:
    return SearchFilters.model_validate(values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, []),
        ({"office": ["甲局"]}, [{"terms": {"office": ["甲局"]}}]),
        ({"province": ["广东省", "山东省"]}, [{"terms": {"region.province": ["广东省", "山东省"]}}]),
        (
            {"city": ["广州市"], "county": ["白云区"]},
            [
                {"terms": {"region.city": ["广州市"]}},
                {"terms": {"region.county": ["白云区"]}},
            ],
        ),
        (
            {"level": ["township"], "template": ["2021"]},
            [
                {"terms": {"level": ["township"]}},
                {"terms": {"template": ["2021"]}},
            ],
        ),
        ({"year": [2020, "2021"]}, [{"terms": {"year": [2020, 2021]}}]),
        ({"year_from": 2019}, [{"range": {"year": {"gte": 2019}}}]),
        ({"year_from": 2019, "year_to": 2021}, [{"range": {"year": {"gte": 2019, "lte": 2021}}}]),
        ({"consistent": "false"}, [{"term": {"consistent": False}}]),
        ({"min_applications_received": "10"}, [{"range": {"totals.applications_received": {"gte": 10}}}]),
        (
            {"max_grant_rate": 0.5, "min_lawsuits": 1},
            [
                {"range": {"totals.grant_rate": {"lte": 0.5}}},
                {"range": {"totals.lawsuits": {"gte": 1}}},
            ],
        ),
        (
            {"year": [2020], "min_reviews": 0, "max_reviews": 0},
            [
                {"range": {"totals.reviews": {"gte": 0, "lte": 0}}},
                {"terms": {"year": [2020]}},
            ],
        ),
    ],
)
def test_build_filters(values: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert build_filters(filters(**values)) == expected


def test_every_total_has_both_bounds() -> None:
    fields = set(SearchFilters.model_fields)
    assert {f"min_{key}" for key in TOTAL_KEYS} | {f"max_{key}" for key in TOTAL_KEYS} <= fields


@pytest.mark.parametrize("q", ["", "   ", "！？。", '""', "“”"])
def test_nothing_searchable_means_no_text_query(q: str) -> None:
    assert build_text_query(q) is None
    assert build_query(filters(q=q)) == {"bool": {"must": [], "filter": []}}


def word_clause(query: str, text: str) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"multi_match": {"query": query, "fields": ["title^3", "text"], "type": "phrase"}},
                {"match_phrase": {"office.std": {"query": text, "boost": 3.0}}},
            ],
            "minimum_should_match": 1,
        }
    }


@pytest.mark.parametrize(
    ("q", "clauses"),
    [
        ("依申请公开", [word_clause("依申请公开", "依申请公开")]),
        # jieba cuts 乡村振兴 into two words; each must occur.
        ("行政复议 乡村振兴", [word_clause(word, word) for word in ("行政复议", "乡村", "振兴")]),
        ('"政务公开专题培训"', [word_clause("政务公开 专题 培训", "政务公开专题培训")]),
        ("“信息处理费”", [word_clause("信息处理 费", "信息处理费")]),
        (
            '乡村振兴 "依申请 公开"',
            [
                word_clause("乡村", "乡村"),
                word_clause("振兴", "振兴"),
                word_clause("依 申请 公开", "依申请 公开"),
            ],
        ),
    ],
)
def test_words_and_quoted_phrases_each_must_occur(q: str, clauses: list[dict[str, Any]]) -> None:
    query = build_text_query(q)

    assert query is not None
    assert query["bool"]["must"] == clauses
    assert query["bool"]["should"] == [{"term": {"office": {"value": q.strip(), "boost": 5.0}}}]


def test_title_and_office_weigh_more_than_the_body() -> None:
    assert WORD_FIELDS == ("title^3", "text")
    assert OFFICE_FIELD == "office.std"


def strings_under(node: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Every string of a JSON-like tree, with the key it sits under."""
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from strings_under(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from strings_under(child, key)
    elif isinstance(node, str):
        yield key, node


@pytest.mark.parametrize(
    "q", ['title:x AND (y OR z)* ~2 ^3 \\"', "a || b && !c", '{"query": {"match_all": {}}}', "<script>x"]
)
def test_user_text_never_becomes_query_syntax(q: str) -> None:
    body = build_search_bodies(SearchParams(q=q)).hits

    assert "query_string" not in json.dumps(body)
    user_strings = [(key, value) for key, value in strings_under(body["query"]) if value == q.strip()]
    assert user_strings and all(key in ("query", "value") for key, _ in user_strings)
    multi_matches = [value for key, value in strings_under(body["query"]) if key == "type"]
    assert set(multi_matches) == {"phrase"}
    assert "query_string" not in json.dumps(build_search_bodies(SearchParams(q=q)).counts)


@pytest.mark.parametrize(
    ("q", "phrases", "words"),
    [
        ("依申请公开", [], ["依申请公开"]),
        ('"政务公开专题培训" 乡村振兴', ["政务公开专题培训"], ["乡村", "振兴"]),
        ("「营商环境」", ["营商环境"], []),
        ('未闭合"引号', [], ["未", "闭合", "引号"]),
    ],
)
def test_split_query(q: str, phrases: list[str], words: list[str]) -> None:
    assert split_query(q) == (phrases, words)


NEWEST = [
    {"published_date": {"order": "desc", "missing": "_last"}},
    {"first_seen_at": {"order": "desc", "missing": "_last"}},
]
BY_ID = {"id": {"order": "asc"}}


@pytest.mark.parametrize(
    ("sort", "has_text", "expected"),
    [
        (None, False, [*NEWEST, BY_ID]),
        (None, True, [{"_score": {"order": "desc"}}]),
        ("newest", True, [*NEWEST, BY_ID]),
        ("relevance", True, [{"_score": {"order": "desc"}}]),
        ("year", False, [{"year": {"order": "desc", "missing": "_last"}}, *NEWEST, BY_ID]),
        (
            "-applications_received",
            False,
            [{"totals.applications_received": {"order": "desc", "missing": "_last"}}, BY_ID],
        ),
        ("+grant_rate", True, [{"totals.grant_rate": {"order": "asc", "missing": "_last"}}, BY_ID]),
        ("lawsuits", False, [{"totals.lawsuits": {"order": "asc", "missing": "_last"}}, BY_ID]),
    ],
)
def test_build_sort(sort: str | None, has_text: bool, expected: list[Any]) -> None:
    assert build_sort(sort, has_text) == expected


def test_facet_selections_go_to_post_filter_and_ranges_to_the_query() -> None:
    params = SearchParams.model_validate(
        {"q": "公开", "year": [2020], "province": ["广东省"], "year_from": 2019, "min_lawsuits": 1}
    )
    body = build_search_bodies(params).hits

    assert body["query"]["bool"]["filter"] == [
        {"range": {"year": {"gte": 2019}}},
        {"range": {"totals.lawsuits": {"gte": 1}}},
    ]
    assert body["post_filter"] == {
        "bool": {"filter": [{"terms": {"year": [2020]}}, {"terms": {"region.province": ["广东省"]}}]}
    }
    assert body["from"] == 0 and body["size"] == 20 and body["track_total_hits"] is False
    assert body["highlight"]["encoder"] == "html"
    assert "aggs" not in body


def test_facets_are_counted_in_a_cacheable_body_over_the_same_query() -> None:
    params = SearchParams.model_validate(
        {"q": "公开", "year": [2020], "min_lawsuits": 1, "page": 3, "sort": "year"}
    )
    hits, facets = build_search_bodies(params)

    assert facets["query"] == hits["query"]
    assert facets["size"] == 0 and "sort" not in facets and "post_filter" not in facets
    assert facets["aggs"] == {
        **build_facet_aggs(facet_filters(params)),
        "matching": {"filter": {"bool": {"filter": [{"terms": {"year": [2020]}}]}}},
    }
    # The request cache keys on the body: the page and the order must not make it differ.
    assert facets == build_search_bodies(
        SearchParams.model_validate({"q": "公开", "year": [2020], "min_lawsuits": 1})
    ).counts


def test_each_facet_is_counted_without_its_own_selection() -> None:
    params = filters(year=[2020], province=["广东省"], consistent=True)
    selections = facet_filters(params)
    aggs = build_facet_aggs(selections)

    assert set(aggs) == set(FACETS)
    for facet in FACETS:
        expected = [clause for name, clause in selections.items() if name != facet]
        assert aggs[facet]["filter"] == {"bool": {"filter": expected}}, facet
    assert aggs["year"]["aggs"]["values"]["terms"]["order"] == [{"_key": "desc"}]
    assert aggs["office"]["aggs"]["values"]["terms"]["order"] == [{"_count": "desc"}, {"_key": "asc"}]


def test_no_highlight_without_keywords_and_paging_offsets() -> None:
    body = build_search_bodies(SearchParams(page=3, size=15)).hits

    assert "highlight" not in body
    assert (body["from"], body["size"]) == (30, 15)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"page": 101, "size": 100}, "may not exceed 10000"),
        ({"page": 0}, "greater than or equal to 1"),
        ({"size": 101}, "less than or equal to 100"),
        ({"sort": "title"}, "should match pattern"),
        ({"sort": "-office"}, "should match pattern"),
        ({"year_from": 2022, "year_to": 2020}, "year_from (2022) is after year_to (2020)"),
        ({"min_lawsuits": 5, "max_lawsuits": 1}, "min_lawsuits (5) is greater than max_lawsuits (1)"),
        ({"min_grant_rate": "inf"}, "finite number"),
        ({"max_applications_received": "nan"}, "finite number"),
        ({"min_procurement_yuan": 1e300}, "less than or equal to 1000000000000000"),
        ({"min_lawsuits": 3e9}, "less than or equal to 2147483647"),
        ({"year": ["x"]}, "valid integer"),
        ({"year": [1800]}, "greater than or equal to 1980"),
        ({"level": ["village"]}, "province"),
        ({"consistent": "maybe"}, "valid boolean"),
        ({"min_color": 1}, "Extra inputs are not permitted"),
        ({"q": "字" * 501}, "at most 500 characters"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SearchParams.model_validate(values)


@pytest.mark.parametrize(
    ("raw", "sort"), [(" lawsuits", "+lawsuits"), ("+lawsuits", "+lawsuits"), ("-reviews", "-reviews")]
)
def test_a_plus_sign_decoded_as_a_space_still_means_ascending(raw: str, sort: str) -> None:
    assert SearchParams(sort=raw).sort == sort


def test_the_largest_allowed_page() -> None:
    assert SearchParams(page=100, size=100).page == 100


@pytest.mark.parametrize(
    ("group_by", "field"),
    [("year", "year"), ("province", "region.province"), ("county", "region.county"), ("office", "office")],
)
def test_stats_groups_by_a_composite_aggregation(group_by: str, field: str) -> None:
    params = StatsParams.model_validate({"group_by": group_by, "consistent": "true"})
    body = build_stats_body(params, after={"group": "x"})
    composite = body["aggs"]["groups"]["composite"]

    assert composite["sources"] == [{"group": {"terms": {"field": field}}}]
    assert composite["after"] == {"group": "x"}
    assert body["query"]["bool"]["filter"] == [{"term": {"consistent": True}}]
    sums = body["aggs"]["groups"]["aggs"]
    assert "sum_grant_rate" not in sums
    assert sums["rated"]["filter"] == {"exists": {"field": "totals.grant_rate"}}
    assert {f"sum_{key}" for key in TOTAL_KEYS if key != "grant_rate"} <= set(sums)
