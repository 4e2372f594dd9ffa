"""Elasticsearch responses turned into the API's bodies. Pure: dicts in, models out."""

from __future__ import annotations

import re
from typing import Any

from govreports.model import TOTAL_KEYS, Region
from indexer.segment import unsegment
from search_api.query import (
    BOOLEAN_FACETS,
    FACETS,
    HIGHLIGHT_FIELD,
    NARRATIVE_HIGHLIGHT_FIELDS,
    SNIPPETS,
    SUMMED_KEYS,
    TOTAL_AGGREGATION,
    SearchFilters,
)
from search_api.schemas import FacetValue, StatsGroup

# A phrase is highlighted word by word: <em>政务公开</em><em>专题</em> reads better as one mark.
ADJACENT_MARKS = re.compile(r"</em>(\s*)<em>")
FLOAT_TOTALS = frozenset({"grant_rate", "procurement_yuan"})


def _space_between(marks: re.Match[str]) -> str:
    return marks[1]


def clean_fragment(fragment: str) -> str:
    """Original text back from a highlighted fragment of segmented text, one mark per match."""
    return ADJACENT_MARKS.sub(_space_between, unsegment(fragment))


def facet_values(facet: str, buckets: list[dict[str, Any]]) -> list[FacetValue]:
    """The buckets' values: booleans for `consistent`, `copied` and `ocr`; otherwise the keys as the index
    holds them (numbers for `year`, strings for the keyword facets)."""
    if facet in BOOLEAN_FACETS:
        return [bucket["key_as_string"] == "true" for bucket in buckets]
    return [bucket["key"] for bucket in buckets]


def facet_entries(facet: str, buckets: list[dict[str, Any]], selected: list[Any]) -> list[dict[str, Any]]:
    """The facet's values with counts; a selected value nothing matches still shows, with 0."""
    values = facet_values(facet, buckets)
    # One facet's values share one type, so a set tells them apart (True and 1 never meet).
    chosen = set(selected)
    entries = [
        {"value": value, "count": bucket["doc_count"], "selected": value in chosen}
        for value, bucket in zip(values, buckets, strict=True)
    ]
    if not selected:  # most requests select nothing in most facets
        return entries
    entries += [{"value": value, "count": 0, "selected": True} for value in selected if value not in values]
    return entries


REGION_KEYS: tuple[str, ...] = tuple(Region.model_fields)


def _totals(stored: dict[str, Any] | None) -> dict[str, Any]:
    """Every totals key, null where the report has none; the float keys as floats."""
    stored = stored or {}
    totals = {key: stored.get(key) for key in TOTAL_KEYS}
    for key in FLOAT_TOTALS:
        if (value := totals[key]) is not None:
            totals[key] = float(value)
    return totals


def snippets(highlight: dict[str, list[str]]) -> list[str]:
    """The narrative's fragments when it matched (overview first), else the whole text's."""
    narrative = [fragment for field in NARRATIVE_HIGHLIGHT_FIELDS for fragment in highlight.get(field, ())]
    return narrative[:SNIPPETS] or highlight.get(HIGHLIGHT_FIELD, [])


def to_hit(hit: dict[str, Any]) -> dict[str, Any]:
    source = hit["_source"]
    title = source.get("title")
    region = source.get("region") or {}
    return {
        "id": source["id"],
        "title": unsegment(title) if title else title,
        "office": source.get("office"),
        "region": {key: region.get(key) for key in REGION_KEYS},
        "year": source.get("year"),
        "published_date": source.get("published_date"),
        "source_url": source.get("source_url"),
        "totals": _totals(source.get("totals")),
        "consistent": source.get("consistent"),
        "highlight": [clean_fragment(fragment) for fragment in snippets(hit.get("highlight", {}))],
    }


def search_body(
    took_ms: int, hits: dict[str, Any], facets: dict[str, Any], filters: SearchFilters
) -> dict[str, Any]:
    """The body of /api/search from the answers to the hits body and the counts body.

    JSON-ready and shaped exactly as `SearchResponse` dumps it (a test holds the two together):
    the values come from documents the report model wrote, and validating them again on every
    request took a fifth of the API's time.
    """
    aggregations = facets["aggregations"]
    return {
        "total": aggregations[TOTAL_AGGREGATION]["doc_count"],
        "took_ms": took_ms,
        "hits": [to_hit(hit) for hit in hits["hits"]["hits"]],
        "facets": {
            facet: facet_entries(facet, aggregations[facet]["values"]["buckets"], filters.selected(facet))
            for facet in FACETS
        },
    }


def _group_value(group_by: str, key: Any) -> FacetValue:
    return int(key) if group_by == "year" else str(key)


def _summed(key: str, bucket: dict[str, Any]) -> float | int | None:
    if not bucket[f"has_{key}"]["value"]:
        return None
    value = float(bucket[f"sum_{key}"]["value"])
    return value if key in FLOAT_TOTALS else round(value)


def _grant_rate(bucket: dict[str, Any]) -> float | None:
    rated = bucket["rated"]
    handled = rated["handled"]["value"]
    return float(rated["granted"]["value"]) / handled if rated["doc_count"] and handled else None


def to_stats_group(group_by: str, bucket: dict[str, Any]) -> StatsGroup:
    sums: dict[str, float | int | None] = {key: _summed(key, bucket) for key in SUMMED_KEYS}
    sums["grant_rate"] = _grant_rate(bucket)
    return StatsGroup(
        value=_group_value(group_by, bucket["key"]["group"]),
        count=bucket["doc_count"],
        totals={key: sums[key] for key in TOTAL_KEYS},
    )
