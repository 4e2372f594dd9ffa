"""Search parameters and the Elasticsearch request bodies built from them.

Pure: parameters in, plain dicts out; no client, no I/O. User text reaches
Elasticsearch only as the `query` of `multi_match`/`match_phrase` clauses or the
`value` of a `term`, never as query-string syntax, so nothing a user types is
interpreted as an operator.

Multi-select faceting: the query proper carries the text and the filters that
are not facets (year range, totals bounds); the facet selections go into
`post_filter`, and each facet's aggregation is wrapped in a filter holding every
selection except its own, so a facet's counts say what widening it would give.
The hits and the counts are two bodies sent in one `_msearch`, both through
Elasticsearch's shard request cache, which keeps an answer until the index next
refreshes (so it is never stale). The counts body holds the facet counts and the
exact total (every selection applied); the hits body then need not count its
matches, which lets Elasticsearch skip documents that cannot reach the requested
page. For the hits the cache keeps which documents make the page; their text and
highlights are still read each time.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from govreports.model import TOTAL_KEYS, ChainStatus, Level, Template, TimelinessStatus
from indexer.segment import query_terms

MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window: page * size beyond it is refused
MAX_PAGE_SIZE = 100
FACET_SIZE = 50
# Counts are 32-bit integers in the index; money and rates are doubles, where 10^15 is far beyond any
# real figure (procurement runs to 10^11 yuan). A bound outside its field's range is refused (422).
COUNT_BOUND = 2**31 - 1
AMOUNT_BOUND = 1e15

Year = Annotated[int, Field(ge=1980, le=2100)]
Count = Annotated[float, Field(ge=-COUNT_BOUND, le=COUNT_BOUND, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=-AMOUNT_BOUND, le=AMOUNT_BOUND, allow_inf_nan=False)]
Value = Annotated[str, Field(min_length=1, max_length=200)]

TOTAL_AGGREGATION = "matching"  # the counts body's total; not a facet name
FACETS: tuple[str, ...] = (
    "year", "province", "city", "county", "office", "level", "template", "consistent",
    "timeliness", "chain", "copied", "ocr",
)
# Facets of one boolean (a yes/no choice), the rest lists of values.
BOOLEAN_FACETS: frozenset[str] = frozenset({"consistent", "copied", "ocr"})
FACET_FIELDS: dict[str, str] = {
    "year": "year",
    "province": "region.province",
    "city": "region.city",
    "county": "region.county",
    "office": "office",
    "level": "level",
    "template": "template",
    "consistent": "consistent",
    # The audit across the years (docs/audit.md).
    "timeliness": "timeliness.status",
    "chain": "cross_year.chain",
    "copied": "reuse.flagged",
    "ocr": "ocr",
}
GROUP_BY = Literal["year", "province", "city", "county", "office", "level"]
SORT_PATTERN = rf"^(relevance|newest|year|[+-]?({'|'.join(TOTAL_KEYS)}))$"

# Where a keyword counts: as a run of jieba words in the segmented title (weighing
# more) and text, or as a run of characters in the office name (weighing more; the
# `.std` subfield has one token per CJK character, so part of a name is found).
# The body's `.std` subfield is not searched: a character phrase over every text
# cost 300-500 ms a query at 100,000 reports (docs/benchmarks.md), against tens of
# milliseconds for word phrases.
WORD_FIELDS: tuple[str, ...] = ("title^3", "text")
OFFICE_FIELD = "office.std"
OFFICE_BOOST = 3.0
OFFICE_EXACT_BOOST = 5.0
HIGHLIGHT_FIELD = "text"
# Snippets come from the narrative when it holds a match: the table labels in `text` (行政诉讼 结果维持
# 结果纠正 …) still match, but tell a reader nothing; `text` gives the snippet only when the
# narrative has no match. The sections are stored (mapping v3), as `text` is.
NARRATIVE_HIGHLIGHT_FIELDS: tuple[str, ...] = ("sections.overview", "sections.problems", "sections.other")
SNIPPETS = 2
QUOTED = re.compile(r'["“”「」『』]([^"“”「」『』]+)["“”「」『』]')
QUOTE_CHARS = re.compile(r'["“”「」『』]')
HIT_FIELDS: list[str] = [
    "id",
    "title",
    "office",
    "region",
    "year",
    "published_date",
    "source_url",
    "totals",
    "consistent",
]
EXPORT_FIELDS: list[str] = [*HIT_FIELDS, "level", "template", "source_site", "first_seen_at"]


class SearchFilters(BaseModel):
    """What selects reports: shared by search, stats, export, and the feeds other routes serve."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field("", max_length=500, description="keywords; quoted text matches as a phrase")
    office: list[Value] = Field(default_factory=list, description="exact office name (any of)")
    province: list[Value] = Field(default_factory=list)
    city: list[Value] = Field(default_factory=list)
    county: list[Value] = Field(default_factory=list)
    level: list[Level] = Field(default_factory=list)
    template: list[Template] = Field(default_factory=list)
    year: list[Year] = Field(default_factory=list, description="exact year reported on (any of)")
    year_from: Year | None = Field(None, description="inclusive")
    year_to: Year | None = Field(None, description="inclusive")
    consistent: bool | None = Field(None, description="true: numbers pass the checks; false: they fail")
    timeliness: list[TimelinessStatus] = Field(
        default_factory=list, description="published by the deadline (on_time), after it (late), or unknown"
    )
    chain: list[ChainStatus] = Field(
        default_factory=list, description="cross-year rules: broken if any is broken (docs/audit.md)"
    )
    copied: bool | None = Field(None, description="true: the narrative is flagged as copied (docs/audit.md)")
    ocr: bool | None = Field(
        None, description="true: some of the report was read by OCR (a scan, pictures of its tables)"
    )

    min_applications_received: Count | None = None
    max_applications_received: Count | None = None
    min_applications_handled: Count | None = None
    max_applications_handled: Count | None = None
    min_granted: Count | None = None
    max_granted: Count | None = None
    min_grant_rate: Amount | None = None
    max_grant_rate: Amount | None = None
    min_reviews: Count | None = None
    max_reviews: Count | None = None
    min_lawsuits: Count | None = None
    max_lawsuits: Count | None = None
    min_corrected: Count | None = None
    max_corrected: Count | None = None
    min_penalties: Count | None = None
    max_penalties: Count | None = None
    min_licensing: Count | None = None
    max_licensing: Count | None = None
    min_procurement_yuan: Amount | None = None
    max_procurement_yuan: Amount | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Self:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year_from ({self.year_from}) is after year_to ({self.year_to})")
        for key, (low, high) in self.total_bounds().items():
            if low is not None and high is not None and low > high:
                raise ValueError(f"min_{key} ({low:g}) is greater than max_{key} ({high:g})")
        return self

    def total_bounds(self) -> dict[str, tuple[float | None, float | None]]:
        """(min, max) of each totals key given a bound; most searches give none."""
        given = self.model_fields_set
        return {
            key: (getattr(self, f"min_{key}"), getattr(self, f"max_{key}"))
            for key in TOTAL_KEYS
            if f"min_{key}" in given or f"max_{key}" in given
        }

    def selected(self, facet: str) -> list[Any]:
        """The values chosen for a facet, in the facet's own value type."""
        if facet in BOOLEAN_FACETS:
            chosen: bool | None = getattr(self, facet)
            return [] if chosen is None else [chosen]
        values: list[Any] = getattr(self, facet)
        return values


class SortedFilters(SearchFilters):
    sort: str | None = Field(
        None,
        pattern=SORT_PATTERN,
        description="relevance (default with q), newest (default without), year, or -/+ a totals key",
    )

    @field_validator("sort", mode="before")
    @classmethod
    def _plus_survives_url_decoding(cls, value: object) -> object:
        # An unencoded "+" in a query string arrives as a space: "+lawsuits" -> " lawsuits".
        if isinstance(value, str) and value.startswith(" "):
            return "+" + value.lstrip()
        return value


class ExportParams(SortedFilters):
    """/api/export.csv: the filters and an order, no pages (every match is exported)."""


class SearchParams(SortedFilters):
    page: int = Field(1, ge=1, description="1-based")
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _within_result_window(self) -> Self:
        if self.page * self.size > MAX_WINDOW:
            raise ValueError(
                f"page × size may not exceed {MAX_WINDOW} (got {self.page} × {self.size}); "
                "narrow the search, or download every match from /api/export.csv"
            )
        return self


class StatsParams(SearchFilters):
    group_by: GROUP_BY = Field("year", description="the field reports are grouped by")


# --- filters ------------------------------------------------------------------


def _any_of(field: str, values: list[Any]) -> dict[str, Any]:
    return {"terms": {field: values}}


def facet_filters(filters: SearchFilters) -> dict[str, dict[str, Any]]:
    """One clause per facet that has a selection, keyed by facet name."""
    clauses: dict[str, dict[str, Any]] = {}
    for facet in FACETS:
        chosen = filters.selected(facet)
        if chosen:
            field = FACET_FIELDS[facet]
            one = facet in BOOLEAN_FACETS
            clauses[facet] = {"term": {field: chosen[0]}} if one else _any_of(field, chosen)
    return clauses


def range_filters(filters: SearchFilters) -> list[dict[str, Any]]:
    """The filters that are not facets: the year range and the bounds on totals."""
    clauses: list[dict[str, Any]] = []
    if filters.year_from is not None or filters.year_to is not None:
        clauses.append({"range": {"year": _bounds(filters.year_from, filters.year_to)}})
    for key, (low, high) in filters.total_bounds().items():
        if low is not None or high is not None:
            clauses.append({"range": {f"totals.{key}": _bounds(low, high)}})
    return clauses


def _bounds(low: float | None, high: float | None) -> dict[str, float]:
    bounds: dict[str, float] = {}
    if low is not None:
        bounds["gte"] = low
    if high is not None:
        bounds["lte"] = high
    return bounds


def build_filters(filters: SearchFilters) -> list[dict[str, Any]]:
    """Every filter clause of `filters` (not the keywords), for a bool query's `filter`."""
    return [*range_filters(filters), *facet_filters(filters).values()]


# --- keywords -----------------------------------------------------------------


def split_query(q: str) -> tuple[list[str], list[str]]:
    """Quoted phrases that hold a word, and the jieba words of everything outside quotes."""
    phrases = [phrase.strip() for phrase in QUOTED.findall(q) if query_terms(phrase)]
    loose = QUOTE_CHARS.sub(" ", QUOTED.sub(" ", q))
    return phrases, query_terms(loose)


def _must_contain(text: str) -> dict[str, Any]:
    """A clause requiring `text` in a report: its words in a row, or its characters in the office name."""
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": " ".join(query_terms(text)),
                        "fields": list(WORD_FIELDS),
                        "type": "phrase",
                    }
                },
                {"match_phrase": {OFFICE_FIELD: {"query": text, "boost": OFFICE_BOOST}}},
            ],
            "minimum_should_match": 1,
        }
    }


def build_text_query(q: str) -> dict[str, Any] | None:
    """Every word and every quoted phrase must occur; None when nothing searchable was typed."""
    phrases, words = split_query(q)
    # Each distinct word or phrase once: "公开 公开 …" repeated to 500 characters is one clause, not 250.
    clauses = [_must_contain(text) for text in dict.fromkeys([*words, *phrases])]
    if not clauses:
        return None
    # Naming the office exactly ranks its own reports first.
    office = {"term": {"office": {"value": q.strip(), "boost": OFFICE_EXACT_BOOST}}}
    return {"bool": {"must": clauses, "should": [office]}}


def build_query(filters: SearchFilters) -> dict[str, Any]:
    """Keywords and every filter in one query: for stats, export, feeds."""
    text = build_text_query(filters.q)
    return {"bool": {"must": [text] if text else [], "filter": build_filters(filters)}}


# --- search -------------------------------------------------------------------


def build_sort(sort: str | None, has_text: bool) -> list[Any]:
    """The sort clauses; every order but relevance ends on `id` so pages never overlap.

    Relevance is the score alone: any second key makes Lucene score every match, while
    the score alone lets it skip documents that cannot reach the page (block-max WAND;
    5-25x faster on common words at 100,000 reports, docs/benchmarks.md). Equal scores
    keep the index's own document order, which is stable while the index is.
    """
    chosen = sort or ("relevance" if has_text else "newest")
    if chosen == "relevance":
        return [{"_score": {"order": "desc"}}]
    newest: list[Any] = [
        {"published_date": {"order": "desc", "missing": "_last"}},
        {"first_seen_at": {"order": "desc", "missing": "_last"}},
    ]
    if chosen == "newest":
        head: list[Any] = newest
    elif chosen == "year":
        head = [{"year": {"order": "desc", "missing": "_last"}}, *newest]
    else:
        order = "desc" if chosen.startswith("-") else "asc"
        head = [{f"totals.{chosen.lstrip('+-')}": {"order": order, "missing": "_last"}}]
    return [*head, {"id": {"order": "asc"}}]


def _facet_aggregation(facet: str) -> dict[str, Any]:
    terms: dict[str, Any] = {"field": FACET_FIELDS[facet], "size": FACET_SIZE}
    # Years read best in order; other facets by how many reports they hold.
    terms["order"] = [{"_key": "desc"}] if facet == "year" else [{"_count": "desc"}, {"_key": "asc"}]
    return {"terms": terms}


# The same for every request: built once (bodies are only ever serialised, never changed).
FACET_AGGREGATIONS: dict[str, dict[str, Any]] = {facet: _facet_aggregation(facet) for facet in FACETS}


def build_facet_aggs(selections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per facet (`selections` from `facet_filters`): its terms, counted under every other selection."""
    aggs: dict[str, Any] = {}
    for facet in FACETS:
        others = [clause for name, clause in selections.items() if name != facet]
        aggs[facet] = {
            "filter": {"bool": {"filter": others}},
            "aggs": {"values": FACET_AGGREGATIONS[facet]},
        }
    return aggs


_FRAGMENTS: dict[str, Any] = {"fragment_size": 90, "number_of_fragments": SNIPPETS, "no_match_size": 0}
HIGHLIGHT: dict[str, Any] = {
    "encoder": "html",  # the document's own text is escaped; only our <em> marks are markup
    "pre_tags": ["<em>"],
    "post_tags": ["</em>"],
    # The query names `text` and `title`; the sections hold the same words, analysed alike.
    "require_field_match": False,
    "fields": {**dict.fromkeys(NARRATIVE_HIGHLIGHT_FIELDS, _FRAGMENTS), HIGHLIGHT_FIELD: _FRAGMENTS},
}


class SearchBodies(NamedTuple):
    """The two bodies of one search's `_msearch`."""

    hits: dict[str, Any]  # the page of hits: the query, facet selections as post_filter, order, highlights
    counts: dict[str, Any]  # the facets and the total, no hits: the same for every page and order


def build_search_bodies(params: SearchParams) -> SearchBodies:
    """Both bodies, from one reading of the keywords and the selections."""
    text = build_text_query(params.q)
    query = {"bool": {"must": [text] if text else [], "filter": range_filters(params)}}
    selections = facet_filters(params)
    selected = {"bool": {"filter": list(selections.values())}}
    hits: dict[str, Any] = {
        "query": query,
        "post_filter": selected,
        "sort": build_sort(params.sort, has_text=text is not None),
        "from": (params.page - 1) * params.size,
        "size": params.size,
        "track_total_hits": False,  # the counts body has the total
        "_source": HIT_FIELDS,
    }
    if text is not None:
        hits["highlight"] = HIGHLIGHT
    aggs = {**build_facet_aggs(selections), TOTAL_AGGREGATION: {"filter": selected}}
    return SearchBodies(hits, {"query": query, "size": 0, "track_total_hits": False, "aggs": aggs})


# --- stats --------------------------------------------------------------------

STATS_FIELDS: dict[str, str] = {
    "year": "year",
    "province": "region.province",
    "city": "region.city",
    "county": "region.county",
    "office": "office",
    "level": "level",
}
STATS_PAGE = 1000
# Summed per group; grant_rate is not summed but derived as Σgranted / Σhandled.
SUMMED_KEYS: tuple[str, ...] = tuple(key for key in TOTAL_KEYS if key != "grant_rate")


def build_stats_body(params: StatsParams, after: dict[str, Any] | None = None) -> dict[str, Any]:
    """One page of groups (a composite aggregation, walked with `after`)."""
    composite: dict[str, Any] = {
        "size": STATS_PAGE,
        "sources": [{"group": {"terms": {"field": STATS_FIELDS[params.group_by]}}}],
    }
    if after is not None:
        composite["after"] = after
    sums: dict[str, Any] = {}
    for key in SUMMED_KEYS:
        sums[f"sum_{key}"] = {"sum": {"field": f"totals.{key}"}}
        sums[f"has_{key}"] = {"value_count": {"field": f"totals.{key}"}}
    # The grant rate is a ratio of sums over the reports that have one (handled > 0).
    sums["rated"] = {
        "filter": {"exists": {"field": "totals.grant_rate"}},
        "aggs": {
            "granted": {"sum": {"field": "totals.granted"}},
            "handled": {"sum": {"field": "totals.applications_handled"}},
        },
    }
    return {
        "query": build_query(params),
        "size": 0,
        "track_total_hits": True,
        "aggs": {"groups": {"composite": composite, "aggs": sums}},
    }
