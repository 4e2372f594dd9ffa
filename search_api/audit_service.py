"""Offices and findings of the audit across the years (docs/audit.md), for the API and the page.

The audit keeps its offices and findings in indices beside the reports (`audit.store`); these
functions search them, and put an office's reports and missing years together year by year.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any, Self

from elasticsearch import NotFoundError
from pydantic import BaseModel, ConfigDict, Field, model_validator

from audit.book import representatives
from audit.facts import from_source
from audit.findings import FINDING_RULES, RULE_LABELS, Rule
from audit.store import AuditIndices
from govreports.model import Level
from indexer.segment import unsegment
from search_api.csv_export import BOM
from search_api.errors import ReportNotFound
from search_api.params import GENERATED_ID
from search_api.query import MAX_PAGE_SIZE, MAX_WINDOW, Value, Year
from search_api.store import ReportStore

OfficeId = Annotated[str, Field(pattern=GENERATED_ID)]
# An office reports once a year: a few hundred reports are centuries of them.
MAX_OFFICE_REPORTS = 500
EXPORT_PAGE = 1000
FINDINGS_SORT: list[dict[str, Any]] = [
    {"year": {"order": "desc", "missing": "_last"}},
    {"office_id": "asc"},
    {"rule": "asc"},
    {"id": "asc"},
]
YEAR_FIELDS = [
    "id",
    "title",
    "year",
    "published_date",
    "first_seen_at",
    "totals",
    "consistent",
    "timeliness",
    "cross_year",
    "reuse",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class OfficeNotFound(ReportNotFound):
    """No office has this id (404, as an unknown report)."""


class Paged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, description="1-based")
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _within_result_window(self) -> Self:
        if self.page * self.size > MAX_WINDOW:
            raise ValueError(f"page × size may not exceed {MAX_WINDOW} (got {self.page} × {self.size})")
        return self


class OfficeParams(Paged):
    q: str = Field("", max_length=200, description="part of any name the office printed")
    province: list[Value] = Field(default_factory=list)
    city: list[Value] = Field(default_factory=list)
    county: list[Value] = Field(default_factory=list)
    level: list[Level] = Field(default_factory=list)


class FindingFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: list[Year] = Field(default_factory=list, description="the year reported on (any of)")
    province: list[Value] = Field(default_factory=list)
    city: list[Value] = Field(default_factory=list)
    county: list[Value] = Field(default_factory=list)
    office_id: list[OfficeId] = Field(default_factory=list)
    rule: list[Rule] = Field(default_factory=list, description=f"one of {', '.join(FINDING_RULES)}")


class FindingParams(FindingFilters, Paged):
    pass


def _terms(field: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{"terms": {field: values}}] if values else []


def _region_filters(params: OfficeParams | FindingFilters) -> list[dict[str, Any]]:
    return [
        *_terms("region.province", params.province),
        *_terms("region.city", params.city),
        *_terms("region.county", params.county),
    ]


def offices_body(params: OfficeParams) -> dict[str, Any]:
    must = [{"match_phrase": {"names.std": params.q}}] if params.q.strip() else []
    return {
        "query": {
            "bool": {"must": must, "filter": [*_region_filters(params), *_terms("level", params.level)]}
        },
        "sort": [{"name": "asc"}, {"office_id": "asc"}],
        "from": (params.page - 1) * params.size,
        "size": params.size,
        "track_total_hits": True,
        "_source": ["office_id", "name", "region", "level", "reports", "years"],
    }


def findings_query(filters: FindingFilters) -> dict[str, Any]:
    clauses = [
        *_terms("year", filters.year),
        *_region_filters(filters),
        *_terms("office_id", filters.office_id),
        *_terms("rule", filters.rule),
    ]
    return {"bool": {"filter": clauses}}


async def _search(store: ReportStore, index: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """A search of one of the audit's indices; None when the audit has not made it yet."""
    with store.translated_errors():
        try:
            response = await store.client.search(index=index, body=body)
        except NotFoundError:
            return None
    return dict(response.body)


def _hits(response: dict[str, Any] | None) -> tuple[int, list[dict[str, Any]]]:
    if response is None:
        return 0, []
    return int(response["hits"]["total"]["value"]), [hit["_source"] for hit in response["hits"]["hits"]]


async def offices(store: ReportStore, params: OfficeParams) -> dict[str, Any]:
    total, sources = _hits(await _search(store, AuditIndices(store.index).offices, offices_body(params)))
    keys = ("office_id", "name", "region", "level", "reports", "years")
    return {"total": total, "offices": [{key: source.get(key) for key in keys} for source in sources]}


async def findings(store: ReportStore, params: FindingParams) -> dict[str, Any]:
    body = {
        "query": findings_query(params),
        "sort": FINDINGS_SORT,
        "from": (params.page - 1) * params.size,
        "size": params.size,
        "track_total_hits": True,
    }
    total, sources = _hits(await _search(store, AuditIndices(store.index).findings, body))
    return {"total": total, "findings": [finding_entry(source) for source in sources]}


def finding_entry(source: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "rule",
        "severity",
        "office_id",
        "office",
        "year",
        "report_id",
        "other_report_id",
        "cells",
        "detail",
    )
    return {**{key: source.get(key) for key in keys}, "region": source.get("region") or {}}


# --- one office, year by year ------------------------------------------------------------------


async def office(store: ReportStore, office_id: str) -> dict[str, Any]:
    """The office with one entry per year: its report's figures and audit, or the year it missed."""
    with store.translated_errors():
        try:
            document = (await store.client.get(index=AuditIndices(store.index).offices, id=office_id))[
                "_source"
            ]
        except NotFoundError as error:
            raise OfficeNotFound(f"no office has the id {office_id!r}") from error
    body = {
        "query": {"term": {"office_id": office_id}},
        "size": MAX_OFFICE_REPORTS,
        "sort": [{"year": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
        "_source": YEAR_FIELDS,
    }
    _total, sources = _hits(await _search(store, store.index, body))
    return {
        "office_id": office_id,
        "name": document.get("name"),
        "names": document.get("names") or [],
        "region": document.get("region") or {},
        "level": document.get("level"),
        "years": year_entries(sources, document.get("missing") or []),
    }


def year_entries(sources: list[dict[str, Any]], missing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per year: the report the audit's chains use (the latest published of that year),
    the others of that year named beside it; and each year with no report, missing or unknown."""
    by_id = {source["id"]: source for source in sources}
    chosen = representatives(from_source(source) for source in sources)
    entries = []
    for year, facts in chosen.items():
        others = sorted(
            source["id"] for source in sources if source.get("year") == year and source["id"] != facts.id
        )
        entries.append({**_report_entry(by_id[facts.id]), "other_report_ids": others})
    entries += [_missing_entry(entry) for entry in missing if entry.get("year") not in chosen]
    return sorted(entries, key=lambda entry: entry["year"])


def _report_entry(source: dict[str, Any]) -> dict[str, Any]:
    timeliness = source.get("timeliness") or {}
    cross_year = source.get("cross_year") or {}
    reuse = source.get("reuse") or {}
    title = source.get("title")
    return {
        "year": source.get("year"),
        "report_id": source["id"],
        "title": unsegment(title) if title else title,
        "published_date": source.get("published_date"),
        "timeliness": {
            "status": timeliness.get("status", "unknown"),
            "deadline": timeliness.get("deadline"),
            "days_late": timeliness.get("days_late"),
        },
        "totals": source.get("totals") or {},
        "consistent": source.get("consistent"),
        "cross_year": {
            rule: {"status": result.get("status"), "detail": result.get("detail")}
            for rule in ("carry_chain", "in_force_chain", "items_chain")
            if (result := cross_year.get(rule)) is not None
        },
        "reuse": {key: reuse.get(key) for key in ("previous", "nearest", "nearest_report_id", "flagged")},
    }


def _missing_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "year": entry["year"],
        "report_id": None,
        "title": None,
        "published_date": None,
        "timeliness": {"status": entry["status"], "deadline": entry.get("deadline"), "days_late": None},
        "totals": None,
        "consistent": None,
        "cross_year": None,
        "reuse": None,
        "detail": entry.get("detail"),
        "other_report_ids": [],
    }


# --- the 问题清单 (CSV) --------------------------------------------------------------------------

CSV_COLUMNS: tuple[str, ...] = (
    "问题",
    "严重程度",
    "机关",
    "省份",
    "城市",
    "区县",
    "年度",
    "报告",
    "对照报告",
    "涉及单元格",
    "说明",
    "rule",
    "office_id",
    "report_id",
    "other_report_id",
)
SEVERITY_LABELS = {"error": "错误", "warning": "提示"}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run "=…" as a formula; the quote keeps it text (as /api/export.csv does).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _link(public_url: str, report_id: str | None) -> str:
    return f"{public_url}/reports/{report_id}" if report_id else ""


def csv_row(source: dict[str, Any], public_url: str) -> list[str]:
    region = source.get("region") or {}
    values = (
        RULE_LABELS.get(source.get("rule") or "", source.get("rule")),
        SEVERITY_LABELS.get(source.get("severity") or "", source.get("severity")),
        source.get("office"),
        region.get("province"),
        region.get("city"),
        region.get("county"),
        source.get("year"),
        _link(public_url, source.get("report_id")),
        _link(public_url, source.get("other_report_id")),
        "; ".join(source.get("cells") or []),
        source.get("detail"),
        source.get("rule"),
        source.get("office_id"),
        source.get("report_id"),
        source.get("other_report_id"),
    )
    return [_cell(value) for value in values]


def csv_lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def findings_csv(store: ReportStore, filters: FindingFilters, public_url: str) -> AsyncIterator[str]:
    """Every matching finding as a CSV row, a page at a time (search_after on a unique order)."""
    yield BOM + csv_lines([list(CSV_COLUMNS)])
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {
            "query": findings_query(filters),
            "sort": FINDINGS_SORT,
            "size": EXPORT_PAGE,
            "track_total_hits": False,
        }
        if after is not None:
            body["search_after"] = after
        response = await _search(store, AuditIndices(store.index).findings, body)
        hits = [] if response is None else response["hits"]["hits"]
        if not hits:
            return
        yield csv_lines([csv_row(hit["_source"], public_url) for hit in hits])
        after = hits[-1]["sort"]


# --- the report page: this office, other years -------------------------------------------------


async def report_context(store: ReportStore, office_id: str | None, report_id: str) -> dict[str, Any]:
    """What the report page shows of the audit: the office's other years, the reports before and
    after this one, and this report's cells that break a chain with either of them."""
    context: dict[str, Any] = {"office": None, "chain_cells": set(), "previous_id": None, "next_id": None}
    if office_id is None:
        return context
    try:
        found = await office(store, office_id)
    except OfficeNotFound:
        return context  # not audited yet
    published = [entry for entry in found["years"] if entry["report_id"]]
    position = next((index for index, entry in enumerate(published) if entry["report_id"] == report_id), None)
    before = published[position - 1] if position else None
    after = published[position + 1] if position is not None and position + 1 < len(published) else None
    context.update(
        office=found, previous_id=before and before["report_id"], next_id=after and after["report_id"]
    )
    context["chain_cells"] = await _chain_cells(store, report_id, after["report_id"] if after else None)
    return context


async def _chain_cells(store: ReportStore, report_id: str, next_id: str | None) -> set[str]:
    """This report's cells in a broken chain: with the year before (its own `cross_year`), and with
    the year after (that report's `previous_cells`, when it was compared with this one)."""
    cells: set[str] = set()
    own = (await store.get_source(report_id)).get("cross_year") or {}
    for rule in ("carry_chain", "in_force_chain", "items_chain"):
        if (result := own.get(rule)) and result.get("status") == "broken":
            cells.update(result.get("cells") or [])
    if next_id is not None:
        later = (await store.get_source(next_id)).get("cross_year") or {}
        if later.get("previous_report_id") == report_id:
            for rule in ("carry_chain", "in_force_chain", "items_chain"):
                if (result := later.get(rule)) and result.get("status") == "broken":
                    cells.update(result.get("previous_cells") or [])
    return cells
