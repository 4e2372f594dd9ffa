"""What the audit reads of a report: its identity, dates and the cells the cross-year rules compare.

Read from an Elasticsearch `_source` (or a `Report` dumped to JSON) without building the whole
report model: a full audit reads every report, and the model's validation would cost more
than all the rules together.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson

from govreports.keys import APPLICATION_COLUMNS
from govreports.model import Region, Report
from indexer.segment import unsegment

CARRY_ROWS: tuple[str, str] = ("carried_forward", "carried_over")
DOCUMENT_ROWS: tuple[str, ...] = ("regulations", "normative_documents")
DOCUMENT_KEYS: tuple[str, ...] = ("issued", "repealed", "in_force")
ITEM_ROWS: tuple[str, ...] = ("licensing", "other_services", "penalties", "coercive_measures", "fees")
ITEM_KEYS: tuple[str, ...] = ("previous_items", "change")
NARRATIVE_SECTIONS: tuple[str, ...] = ("overview", "problems", "other")

# Every cell a cross-year rule reads, as dotted paths of the report model.
CELL_PATHS: tuple[str, ...] = (
    *(f"applications.{row}.{column}" for row in CARRY_ROWS for column in APPLICATION_COLUMNS),
    *(f"active.{row}.{key}" for row in DOCUMENT_ROWS for key in DOCUMENT_KEYS),
    *(f"active.{row}.{key}" for row in ITEM_ROWS for key in ITEM_KEYS),
)
# What the audit reads of each stored report (the narrative apart: `NARRATIVE_FIELDS`).
SOURCE_FIELDS: list[str] = [
    "id",
    "office",
    "office_id",
    "region",
    "level",
    "year",
    "template",
    "published_date",
    "first_seen_at",
    "source_site",
    "source_url",
    "title",
    "consistent",
    "totals",
    *(f"applications.{row}" for row in CARRY_ROWS),
    "active",
    "cross_year",
    "timeliness",
    "reuse",
]
NARRATIVE_FIELDS: list[str] = [f"sections.{name}" for name in NARRATIVE_SECTIONS]
AUDIT_FIELDS: tuple[str, ...] = ("office_id", "cross_year", "timeliness", "reuse")

Number = int | float | None


@dataclass(frozen=True, slots=True)
class ReportFacts:
    id: str
    office: str | None
    region: Region
    level: str | None
    year: int | None
    template: str | None
    published_date: date | None
    first_seen_at: datetime | None
    source_site: str | None = None
    source_url: str | None = None
    title: str | None = None
    cells: tuple[Number, ...] = ()  # in the order of CELL_PATHS (`cells_of`): a tuple, not a dict
    # What the index holds of the audit's fields: their digest (`audit_digest`), for the audit to
    # write only what changed, and the copy score as JSON, which an incremental audit keeps for
    # the reports it does not score again.
    stored_digest: bytes = b""
    stored_reuse: bytes = b"null"

    def cell(self, path: str) -> Number:
        return self.cells[_CELL_POSITIONS[path]] if self.cells else None


# Each cell path as (table, row, column): read with three dict look-ups, not a walk per call.
def _parts(path: str) -> tuple[str, str, str, str]:
    table, row, column = path.split(".")
    return path, table, row, column


_CELL_PARTS = tuple(_parts(path) for path in CELL_PATHS)
_CELL_POSITIONS = {path: position for position, path in enumerate(CELL_PATHS)}


def _cells(source: dict[str, Any]) -> tuple[Number, ...]:
    return tuple(
        ((source.get(table) or {}).get(row) or {}).get(column) for _, table, row, column in _CELL_PARTS
    )


def cells_of(values: Mapping[str, Number]) -> tuple[Number, ...]:
    """`ReportFacts.cells` from the cells by path (those not given: null)."""
    return tuple(values.get(path) for path in CELL_PATHS)


def audit_digest(values: Mapping[str, Any]) -> bytes:
    """A digest of the audit's fields (`AUDIT_FIELDS` of a `_source`, or the values to write)."""
    fields = [values.get(key) for key in AUDIT_FIELDS]
    return hashlib.sha1(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).digest()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


@lru_cache(maxsize=1 << 16)
def _region(province: str | None, city: str | None, county: str | None) -> Region:
    # As stored by the report model: built without validating it again (a full audit reads them all),
    # and one object for the many reports of a region.
    return Region.model_construct(province=province, city=city, county=county)


def _shared(value: Any) -> Any:
    """One string object for the many reports that print it (an office's name, its portal)."""
    return sys.intern(value) if isinstance(value, str) else value


def from_source(source: dict[str, Any]) -> ReportFacts:
    """The facts of a stored report (`SOURCE_FIELDS` of its `_source`)."""
    region = source.get("region") or {}
    title = source.get("title")
    return ReportFacts(
        id=source["id"],
        office=_shared(source.get("office")),
        region=_region(
            _shared(region.get("province")), _shared(region.get("city")), _shared(region.get("county"))
        ),
        level=_shared(source.get("level")),
        year=source.get("year"),
        template=_shared(source.get("template")),
        published_date=_date(source.get("published_date")),
        first_seen_at=_moment(source.get("first_seen_at")),
        source_site=_shared(source.get("source_site")),
        source_url=source.get("source_url"),
        title=unsegment(title) if title else title,
        cells=_cells(source),
        stored_digest=audit_digest(source),
        stored_reuse=_compact_json(source.get("reuse")),
    )


def _compact_json(value: Any) -> bytes:
    # Not orjson: the bytes it returns keep a 4 KB buffer each, and a full audit holds every report's.
    return _NULL if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


_NULL = b"null"


def first_seen(source: dict[str, Any]) -> datetime | None:
    """When a stored report was first seen, as its facts hold it."""
    return _moment(source.get("first_seen_at"))


def from_report(report: Report) -> ReportFacts:
    return from_source(report.model_dump(mode="json"))


def narrative_of(source: dict[str, Any]) -> list[str]:
    """The narrative sections of a stored report, unsegmented (tables are never part of them)."""
    sections = source.get("sections") or {}
    return [unsegment(text) for name in NARRATIVE_SECTIONS if (text := sections.get(name))]
