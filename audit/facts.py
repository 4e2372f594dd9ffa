"""What the audit reads of a report: its identity, dates and the cells the cross-year rules compare.

Read from an Elasticsearch `_source` (or a `Report` dumped to JSON) without building the whole
report model: a full audit reads every report, and the model's validation would cost more
than all the rules together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
    cells: dict[str, Number] = field(default_factory=dict)
    # As stored, for the audit to write only what changed and the office page to show.
    stored: dict[str, Any] = field(default_factory=dict)

    def cell(self, path: str) -> Number:
        return self.cells.get(path)


# Each cell path as (table, row, column): read with three dict look-ups, not a walk per call.
def _parts(path: str) -> tuple[str, str, str, str]:
    table, row, column = path.split(".")
    return path, table, row, column


_CELL_PARTS = tuple(_parts(path) for path in CELL_PATHS)


def _cells(source: dict[str, Any]) -> dict[str, Number]:
    cells: dict[str, Number] = {}
    for path, table, row, column in _CELL_PARTS:
        cells[path] = ((source.get(table) or {}).get(row) or {}).get(column)
    return cells


def _date(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def from_source(source: dict[str, Any]) -> ReportFacts:
    """The facts of a stored report (`SOURCE_FIELDS` of its `_source`)."""
    region = source.get("region") or {}
    title = source.get("title")
    return ReportFacts(
        id=source["id"],
        office=source.get("office"),
        # As stored by the report model: built without validating it again (a full audit reads them all).
        region=Region.model_construct(
            province=region.get("province"), city=region.get("city"), county=region.get("county")
        ),
        level=source.get("level"),
        year=source.get("year"),
        template=source.get("template"),
        published_date=_date(source.get("published_date")),
        first_seen_at=_moment(source.get("first_seen_at")),
        source_site=source.get("source_site"),
        source_url=source.get("source_url"),
        title=unsegment(title) if title else title,
        cells=_cells(source),
        stored={key: source.get(key) for key in (*AUDIT_FIELDS, "consistent", "totals")},
    )


def from_report(report: Report) -> ReportFacts:
    return from_source(report.model_dump(mode="json"))


def narrative_of(source: dict[str, Any]) -> list[str]:
    """The narrative sections of a stored report, unsegmented (tables are never part of them)."""
    sections = source.get("sections") or {}
    return [unsegment(text) for name in NARRATIVE_SECTIONS if (text := sections.get(name))]
