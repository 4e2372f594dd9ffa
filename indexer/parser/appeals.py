"""Section 四 (行政复议、行政诉讼): the row of 15 numbers → `Appeals`."""

from __future__ import annotations

from collections.abc import Sequence

from govreports.keys import APPEAL_COLUMNS, APPEAL_GROUPS
from govreports.model import Appeals
from indexer.parser.cells import count_value, read_count
from indexer.parser.layout import Row
from indexer.parser.matching import positional
from indexer.parser.notes import Notes
from indexer.parser.placement import Values, place_in_windows, place_short, regroup
from indexer.parser.rules import APPEALS_SUM, accept_any
from indexer.parser.sections import SECTION_TITLES

WIDTH = len(APPEAL_GROUPS) * len(APPEAL_COLUMNS)
_NAMES = [f"{group}.{column}" for group in APPEAL_GROUPS for column in APPEAL_COLUMNS]


def _value_rows(rows: Sequence[Row]) -> list[Row]:
    """The rows holding the numbers, up to the fifteenth number (narrative may follow the table)."""
    taken: list[Row] = []
    found = 0
    for row in rows:
        if row.has_values:
            taken.append(row)
            found += sum(1 for cell in row.cells if cell)
            if found >= WIDTH:
                break
    return taken


def _read(cells: Sequence[str], notes: Notes) -> list[int | None]:
    values = []
    for name, text in zip(_NAMES, cells, strict=True):
        value, code = read_count(text)
        if code is not None:  # most cells read cleanly: no need to name them
            notes.cell(code, f"appeals.{name}", text)
        values.append(value)
    return values


def _numbers(rows: list[Row], explicit_cells: bool, notes: Notes) -> list[int | None] | None:
    # One row of 15 cells: its blanks are cells (seed 004: the 复议 group left blank).
    printed = [cell for row in rows for cell in row.cells] if explicit_cells else rows[0].cells
    window = positional(printed, WIDTH) if explicit_cells or len(rows) == 1 else None
    if window is not None:
        return _read(window, notes)
    tokens = [cell for row in rows for cell in row.cells if cell]
    if len(tokens) == WIDTH:
        return _read(tokens, notes)
    placed: Values | None
    if explicit_cells and len(printed) > WIDTH and len(tokens) < WIDTH:
        # Every cell printed, blanks too, off the header's grid: a blank is an empty cell, not a lost one.
        values = [count_value(cell) if cell else None for cell in printed]
        placed, code = place_in_windows(values, WIDTH, APPEALS_SUM), "short_row"
    elif len(tokens) > WIDTH:
        placed, code = regroup(tokens, WIDTH, count_value, APPEALS_SUM, accept_any), "split_number"
    else:
        values = [count_value(token) for token in tokens]
        placed, code = place_short(values, WIDTH, APPEALS_SUM, accept_any), "short_row"
    count = f"{len(tokens)} values for {WIDTH} columns"
    if placed is not None and any(value is not None for value in placed):
        notes.add(code, f"appeals: {count}, placed by the consistency rules")
        return list(placed)
    notes.add(code if code == "short_row" else "extra_cells", f"appeals: {count}; no certain placement")
    return None


def read(rows: Sequence[Row], explicit_cells: bool, notes: Notes) -> Appeals | None:
    value_rows = _value_rows(rows)
    if not value_rows:
        notes.add("section_missing", f"{SECTION_TITLES['appeals']}: the table has no numbers")
        return None
    numbers = _numbers(value_rows, explicit_cells, notes)
    if numbers is None:
        return Appeals()
    width = len(APPEAL_COLUMNS)
    return Appeals.model_validate(
        {
            group: dict(zip(APPEAL_COLUMNS, numbers[g * width : (g + 1) * width], strict=True))
            for g, group in enumerate(APPEAL_GROUPS)
        }
    )
