"""/api/search against the real local Elasticsearch, over a synthetic corpus whose truth is known.

The expected totals, ids and facet counts are computed here in plain Python from
the reports that were indexed (a reference implementation of the filter
semantics), never read back from Elasticsearch.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.es_client import delete_prefixed
from govreports.model import TOTAL_KEYS, Report, Sections
from govreports.settings import Settings
from indexer.segment import query_terms, tokens
from search_api.app import create_app
from search_api.query import FACET_SIZE
from search_api.testing import InProcessClient, in_process, index_corpus, synthetic_corpus

pytestmark = pytest.mark.es

RARE_WORD = "智慧停车"  # in no synthetic sentence: only the crafted reports below carry it

Params = dict[str, Any]
FACET_VALUES: dict[str, Callable[[Report], Any]] = {
    "year": lambda report: report.year,
    "province": lambda report: report.region.province,
    "city": lambda report: report.region.city,
    "county": lambda report: report.region.county,
    "office": lambda report: report.office,
    "level": lambda report: report.level,
    "template": lambda report: report.template,
    "consistent": lambda report: report.consistent,
}


def crafted(base: Report, suffix: str, *, title: str, office: str, text: str) -> Report:
    return base.model_copy(
        update={
            "id": f"crafted{suffix}",
            "title": title,
            "office": office,
            "text": text,
            "sections": Sections(),
        }
    )


def build_truth() -> list[Report]:
    reports = synthetic_corpus(seed=20240601, offices=40)
    base = reports[0]
    return [
        *reports,
        # The rare word in the title only, in the office only, and only (twice) in the body.
        crafted(
            base,
            "-title",
            title=f"{RARE_WORD}专项工作年度报告",
            office="甲市城市管理局",
            text="年度工作总结。",
        ),
        crafted(
            base, "-office", title="乙市年度报告", office=f"乙市{RARE_WORD}服务中心", text="年度工作总结。"
        ),
        crafted(
            base,
            "-body",
            title="丙市年度报告",
            office="丙市城市管理局",
            text=f"推进{RARE_WORD}建设。<script>alert(1)</script>完善{RARE_WORD}收费公开。",
        ),
    ]


TRUTH = build_truth()


@pytest.fixture(scope="module")
def corpus_index(es_client: Elasticsearch) -> Iterator[str]:
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(es_client, alias, TRUTH)
    yield alias
    delete_prefixed(es_client, alias)


@pytest.fixture(scope="module")
def api(corpus_index: str, es_session_settings: Settings) -> Iterator[InProcessClient]:
    with in_process(create_app(es_session_settings.model_copy(update={"index": corpus_index}))) as client:
        yield client


# --- the reference semantics ---------------------------------------------------


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def words(text: str) -> list[str]:
    """The words a field is indexed as: jieba tokens, whitespace dropped (the whitespace analyzer)."""
    return [token for token in tokens(text) if token.strip()]


def in_a_row(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[start : start + len(needle)] == needle for start in range(len(haystack)))


def contains(report: Report, text: str) -> bool:
    """`text` as consecutive words of the title or the text, or as characters of the office name."""
    needle = query_terms(text)
    return (
        in_a_row(words(report.title or ""), needle)
        or in_a_row(words(report.text), needle)
        or text in (report.office or "")
    )


def text_matches(report: Report, q: str) -> bool:
    """Every word and every quoted phrase of `q` is contained."""
    phrases = re.findall(r'"([^"]+)"', q)
    loose = query_terms(re.sub(r'"[^"]+"', " ", q))
    return all(contains(report, needle) for needle in [*loose, *phrases])


def facet_selected(params: Params, facet: str) -> list[Any]:
    if facet == "consistent":
        return [params["consistent"] == "true"] if "consistent" in params else []
    return as_list(params.get(facet, []))


def in_range(value: float | None, low: float | None, high: float | None) -> bool:
    if low is None and high is None:
        return True
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def matches(report: Report, params: Params, *, except_facet: str | None = None) -> bool:
    if params.get("q") and not text_matches(report, params["q"]):
        return False
    for facet, value_of in FACET_VALUES.items():
        chosen = facet_selected(params, facet)
        if facet != except_facet and chosen and value_of(report) not in chosen:
            return False
    if not in_range(report.year, params.get("year_from"), params.get("year_to")):
        return False
    totals = report.totals.model_dump()
    return all(
        in_range(totals[key], params.get(f"min_{key}"), params.get(f"max_{key}")) for key in TOTAL_KEYS
    )


def expected_facet(params: Params, facet: str) -> list[dict[str, Any]]:
    pool = [report for report in TRUTH if matches(report, params, except_facet=facet)]
    counts = Counter(value for report in pool if (value := FACET_VALUES[facet](report)) is not None)
    if facet == "year":
        ordered = sorted(counts.items(), key=lambda item: -item[0])
    else:
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    chosen = facet_selected(params, facet)
    entries = [{"value": value, "count": count, "selected": value in chosen} for value, count in ordered]
    entries = entries[:FACET_SIZE]
    shown = {entry["value"] for entry in entries}
    return entries + [
        {"value": value, "count": 0, "selected": True} for value in chosen if value not in shown
    ]


def expected_ids(params: Params) -> set[str]:
    return {report.id for report in TRUTH if matches(report, params)}


def all_hits(api: InProcessClient, params: Params) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first page's body and the hits of every page."""
    first = api.get("/api/search", params={**params, "size": 100}).json()
    hits = list(first["hits"])
    page = 2
    while len(hits) < first["total"]:
        hits += api.get("/api/search", params={**params, "size": 100, "page": page}).json()["hits"]
        page += 1
    return first, hits


def pick_office() -> str:
    counts = Counter(report.office for report in TRUTH)
    return next(office for office, count in counts.most_common() if office)


def pick_city() -> str:
    return Counter(report.region.city for report in TRUTH).most_common(1)[0][0] or ""


QUERIES: list[Params] = [
    {},
    {"q": "依申请公开"},
    {"q": "政策解读 营商环境"},
    {"q": '"政务公开专题培训"'},
    {"q": "乡村振兴", "year": [2021, 2022]},
    {"office": pick_office()},
    {"office": [pick_office(), "不存在的机关"]},
    {"year_from": 2020, "year_to": 2022},
    {"year": [2019, 2023]},
    {"min_applications_received": 10},
    {"min_applications_received": 5, "max_applications_received": 40},
    {"consistent": "false"},
    {"consistent": "true", "level": ["township", "department"]},
    {"province": ["广东省", "山东省"], "year": 2020},
    {"city": pick_city(), "template": "2021"},
    {"q": "依申请公开", "consistent": "false", "min_applications_received": 5},
    {"max_grant_rate": 0.5, "min_lawsuits": 1},
    {"min_procurement_yuan": 1, "template": ["2019"]},
    {"q": RARE_WORD},
    {"q": "不会出现的词语组合"},
]


@pytest.mark.parametrize("params", QUERIES, ids=[repr(params) for params in QUERIES])
def test_total_ids_and_facets_follow_the_truth(api: InProcessClient, params: Params) -> None:
    body, hits = all_hits(api, params)

    assert body["total"] == len(expected_ids(params))
    assert {hit["id"] for hit in hits} == expected_ids(params)
    for facet in FACET_VALUES:
        assert body["facets"][facet] == expected_facet(params, facet), facet


def test_the_corpus_exercises_every_filter() -> None:
    # Guards the test data itself: each filter above must include some reports and exclude others.
    sizes = {repr(params): len(expected_ids(params)) for params in QUERIES[1:-1]}
    assert all(0 < size < len(TRUTH) for size in sizes.values()), sizes
    assert {report.consistent for report in TRUTH} == {True, False, None}


def sort_value(report: Report, key: str) -> tuple[int, float]:
    value = getattr(report.totals, key)
    return (1, 0.0) if value is None else (0, value)  # missing values sort last either way


@pytest.mark.parametrize(
    "sort", ["-applications_received", "+applications_received", "-grant_rate", "+lawsuits"]
)
def test_sorting_by_a_total_orders_by_it_then_by_id(api: InProcessClient, sort: str) -> None:
    key, descending = sort[1:], sort.startswith("-")
    params = {"sort": sort, "min_applications_handled": 1}
    present = sorted(
        (report for report in TRUTH if matches(report, params) and getattr(report.totals, key) is not None),
        key=lambda report: (
            -sort_value(report, key)[1] if descending else sort_value(report, key)[1],
            report.id,
        ),
    )
    missing = sorted(
        report.id for report in TRUTH if matches(report, params) and getattr(report.totals, key) is None
    )

    _, hits = all_hits(api, params)

    assert [hit["id"] for hit in hits] == [report.id for report in present] + missing


def test_newest_first_without_keywords_and_year_sort(api: InProcessClient) -> None:
    newest = api.get("/api/search", params={"size": 100}).json()["hits"]
    by_year = api.get("/api/search", params={"size": 100, "sort": "year"}).json()["hits"]

    dates = [hit["published_date"] for hit in newest]
    assert dates == sorted(dates, reverse=True)
    years = [hit["year"] for hit in by_year]
    assert years == sorted(years, reverse=True)


def test_pages_are_slices_of_one_order(api: InProcessClient) -> None:
    params = {"sort": "-applications_received", "year_from": 2020}
    _, everything = all_hits(api, params)

    second = api.get("/api/search", params={**params, "page": 2, "size": 7}).json()

    assert [hit["id"] for hit in second["hits"]] == [hit["id"] for hit in everything[7:14]]


def test_title_and_office_matches_rank_above_body_matches(api: InProcessClient) -> None:
    hits = api.get("/api/search", params={"q": RARE_WORD}).json()["hits"]

    ranked = [hit["id"] for hit in hits]
    assert set(ranked[:2]) == {"crafted-title", "crafted-office"}
    assert ranked[2] == "crafted-body"


def test_highlights_are_the_original_text_with_matches_marked(api: InProcessClient) -> None:
    hits = api.get("/api/search", params={"q": "依申请公开", "size": 50}).json()["hits"]
    body_hit = api.get("/api/search", params={"q": RARE_WORD, "office": "丙市城市管理局"}).json()["hits"][0]

    for hit in hits:
        assert hit["highlight"], hit["id"]
        assert all(
            "<em>依申请公开</em>" in fragment and "\u2009" not in fragment for fragment in hit["highlight"]
        )
    fragment = " ".join(body_hit["highlight"])
    assert f"<em>{RARE_WORD}</em>" in fragment
    assert "&lt;script&gt;" in fragment and "<script>" not in fragment


def test_a_quoted_phrase_is_stricter_than_its_words(api: InProcessClient) -> None:
    loose = api.get("/api/search", params={"q": "专题 政务公开"}).json()["total"]
    phrase = api.get("/api/search", params={"q": '"专题政务公开"'}).json()["total"]

    assert phrase == len(expected_ids({"q": '"专题政务公开"'})) == 0
    assert loose == len(expected_ids({"q": "专题 政务公开"})) > 0


def test_a_hit_carries_the_identity_and_totals_of_its_report(api: InProcessClient) -> None:
    truth = {report.id: report for report in TRUTH}
    hits = api.get("/api/search", params={"size": 30, "sort": "-lawsuits"}).json()["hits"]

    for hit in hits:
        report = truth[hit["id"]]
        assert hit["title"] == report.title
        assert hit["office"] == report.office
        assert hit["region"] == report.region.model_dump()
        assert hit["year"] == report.year
        assert hit["published_date"] == (report.published_date and report.published_date.isoformat())
        assert hit["source_url"] == report.source_url
        assert hit["totals"] == report.totals.model_dump(mode="json")
        assert hit["consistent"] == report.consistent
        assert hit["highlight"] == []
