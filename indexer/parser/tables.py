"""The three tables: where they are, which template they follow, and rows matched to keys.

Each table's lines run from its section heading (or, when the heading is missing, the
first line only that table has) to the next table or the narrative after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from govreports.model import Active2019, Active2021, Appeals, Applications, Template
from indexer.parser import active, appeals, applications
from indexer.parser import template as templates
from indexer.parser.layout import logical_rows
from indexer.parser.matching import match_application_rows
from indexer.parser.normalize import compact
from indexer.parser.notes import Notes
from indexer.parser.sections import SECTION_TITLES

Span = tuple[int, int]
_ANCHOR_LINE_MAX = 400  # a table's first line is a row, not a paragraph
_LEGACY_SCAN = 400  # lines searched for the old form's section names


class _Anchor(NamedTuple):
    """The first line only one table has: its compact text starts with or contains one of these."""

    starts: tuple[str, ...]
    contains: tuple[str, ...]
    # One of these characters is in the raw line (spaced out or not): others are skipped unread.
    characters: str

    def __call__(self, line: str) -> bool:
        if len(line) >= _ANCHOR_LINE_MAX or not any(char in line for char in self.characters):
            return False
        text = compact(line)
        return text.startswith(self.starts) or any(word in text for word in self.contains)


_ANCHORS: dict[str, _Anchor] = {
    "active": _Anchor(("第二十条", "信息内容"), (), "条容"),
    "applications": _Anchor(("申请人情况", "一、本年新收", "本年新收"), ("勾稽关系",), "稽申收"),
    "appeals": _Anchor(("行政复议",), (), "议"),
}
TABLES: tuple[str, ...] = ("active", "applications", "appeals")


def _first_anchor(lines: Sequence[str], start: int, anchor: _Anchor) -> int | None:
    return next((index for index in range(start, len(lines)) if anchor(lines[index])), None)


def find_regions(lines: Sequence[str], headings: dict[str, int]) -> dict[str, Span]:
    """Table → (first line, end line) for the tables found."""
    starts: dict[str, int] = {}
    search_from = headings.get("overview", -1) + 1
    for table in TABLES:
        start = headings.get(table)
        if start is None:
            start = _first_anchor(lines, search_from, _ANCHORS[table])
        if start is not None:
            starts[table] = start
            search_from = start + 1
    narrative_after = min((headings[s] for s in ("problems", "other") if s in headings), default=len(lines))
    ordered = sorted(starts.items(), key=lambda item: item[1])
    regions: dict[str, Span] = {}
    for position, (table, start) in enumerate(ordered):
        if position + 1 < len(ordered):
            end = ordered[position + 1][1]
        else:
            end = narrative_after if narrative_after > start else len(lines)
        regions[table] = (start, end)
    return regions


@dataclass
class Tables:
    template: Template | None = None
    active: Active2019 | Active2021 | None = None
    applications: Applications | None = None
    appeals: Appeals | None = None


def read_tables(
    lines: Sequence[str],
    regions: dict[str, Span],
    headings: dict[str, int],
    year: int | None,
    explicit_cells: bool,
    notes: Notes,
) -> Tables:
    """Template detection and the three tables; legacy reports keep no tables.

    `explicit_cells`: the tables' rows print every cell, blanks too (HTML, DOCX, ruled PDF
    tables), so a blank is a printed empty cell rather than one lost in extraction."""
    rows = {table: logical_rows(lines[a:b]) for table, (a, b) in regions.items()}
    active_rows = rows.get("active", [])
    application_rows, application_labels = match_application_rows(rows.get("applications", []))
    template, mixed = templates.detect(
        (row.label for row in active_rows), (item.key for item in application_rows if item.key)
    )
    if mixed:
        notes.add("template_mixed", f"labels of both templates; read as template {template}")
    if template is None:
        if templates.looks_legacy((compact(line) for line in lines[:_LEGACY_SCAN]), year):
            return Tables(template="legacy")
        if not application_rows:
            notes.add("template_unknown", "no table of the 2019 or 2021 form was found")
            return Tables()
        notes.add("template_unknown", "section 二 does not show which template; its table is not read")
    tables = Tables(template=template)
    if template is not None:
        tables.active = active.read(active_rows, template, notes)
    if "applications" in regions:
        tables.applications = applications.read(
            application_rows, application_labels, template, explicit_cells, notes
        )
    else:
        notes.add("section_missing", f"{SECTION_TITLES['applications']}: no table found")
    if "appeals" in regions:
        tables.appeals = appeals.read(rows["appeals"], explicit_cells, notes)
    else:
        notes.add("section_missing", f"{SECTION_TITLES['appeals']}: no table found")
    return tables
