"""The numeric cells of a report, flattened, and what changed between two versions.

A cell is named by its path in the report model, e.g. ``applications.received.total``
or ``active.licensing.decisions``; a revision alert lists the cells whose value differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govreports.model import Report

Cell = int | float | None
Cells = dict[str, Cell]

TABLES: tuple[str, ...] = ("active", "applications", "appeals")


def report_cells(report: Report) -> Cells:
    """Every numeric cell of the report's tables, in model order; a table the report lacks adds none."""
    return document_cells(report.model_dump(include=set(TABLES)))


def document_cells(document: dict[str, Any]) -> Cells:
    """The same cells read from a report's index document (its tables as nested dicts of numbers).

    The ledger reads thousands of documents after an index run: flattening their dicts
    directly costs a fraction of building a `Report` from each.
    """
    cells: Cells = {}
    for table in TABLES:
        part = document.get(table)
        if part is not None:
            _flatten(table, part, cells)
    return cells


def _flatten(prefix: str, value: dict[str, Any], into: Cells) -> None:
    for key, inner in value.items():
        # Exact types, not isinstance: bool is an int but no cell, and this runs for every cell
        # of every version the ledger records (thousands of reports after an index run).
        kind = type(inner)
        if kind is dict:
            _flatten(f"{prefix}.{key}", inner, into)
        elif inner is None or kind is int or kind is float:
            into[f"{prefix}.{key}"] = inner


@dataclass(frozen=True)
class CellChange:
    cell: str
    old: Cell
    new: Cell

    def describe(self) -> str:
        return f"{self.cell}: {_show(self.old)} → {_show(self.new)}"


def _show(value: Cell) -> str:
    if value is None:
        return "null"
    # 3622400.0 reads as 3622400: a float that is whole is shown without its ".0".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def diff_cells(old: Cells, new: Cells) -> list[CellChange]:
    """The cells whose value differs, in the new version's order then any the new one dropped."""
    names = list(new) + [name for name in old if name not in new]
    return [
        CellChange(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)
    ]
