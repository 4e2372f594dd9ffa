"""Headline totals and the consistency rules (勾稽关系) of report-model.md.

Pure functions over the parsed tables; `govreports.model.Report` calls them on
every construction so derived values always follow the cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from govreports.keys import (
    APPEAL_GROUPS,
    APPEAL_RESULTS,
    APPLICANT_COLUMNS,
    APPLICATION_COLUMNS,
    APPLICATION_ROWS,
    OTHER_SUB_ROWS,
    RESULT_ROWS,
)

if TYPE_CHECKING:
    from govreports.model import Active2019, Active2021, Appeals, Applications


class _HasPassed(Protocol):
    passed: bool | None


def _cell(obj: Any, *path: str) -> Any:
    for part in path:
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def _sum(values: Sequence[int | float | None]) -> int | float | None:
    """The sum, or None when a part is None (`None in` scans at C speed: no number equals None)."""
    return None if None in values else sum(cast("Sequence[int | float]", values))


def compute_totals(
    active: Active2019 | Active2021 | None,
    applications: Applications | None,
    appeals: Appeals | None,
) -> dict[str, int | float | None]:
    granted = _cell(applications, "granted", "total")
    handled = _cell(applications, "handled_total", "total")
    procurement = getattr(active, "procurement", None)
    return {
        "applications_received": _cell(applications, "received", "total"),
        "applications_handled": handled,
        "granted": granted,
        "grant_rate": granted / handled if granted is not None and handled else None,
        "reviews": _cell(appeals, "review", "total"),
        "lawsuits": _sum([_cell(appeals, group, "total") for group in APPEAL_GROUPS[1:]]),
        "corrected": _sum([_cell(appeals, group, "corrected") for group in APPEAL_GROUPS]),
        "penalties": _cell(active, "penalties", "decisions"),
        "licensing": _cell(active, "licensing", "decisions"),
        "procurement_yuan": _cell(procurement, "amount_yuan"),
    }


class _Rule:
    """Collects the equations of one rule; the first failure is the one reported."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failure: str | None = None
        self.unknown: str | None = None
        self.evaluated = 0

    def equation(self, where: str, left: int | float | None, right: int | float | None) -> None:
        if left is None or right is None:
            self.unknown = self.unknown or f"{where}: a needed cell is empty"
            return
        self.evaluated += 1
        if left != right and self.failure is None:
            self.failure = f"{where}: {left} != {right}"

    def result(self) -> dict[str, Any]:
        if self.failure is not None:
            return {"rule": self.name, "passed": False, "detail": self.failure}
        if self.unknown is not None:
            return {"rule": self.name, "passed": None, "detail": self.unknown}
        return {"rule": self.name, "passed": True, "detail": f"{self.evaluated} equations hold"}


Cells = dict[str, int | None]


def _rows_of(applications: Applications) -> dict[str, Cells]:
    """Each row's cells by column, read once: the rules below look at every cell two or three times.

    A pydantic model keeps its field values in its `__dict__`, so this reads them without a copy.
    """
    return {key: vars(applications.row(key)) for key in APPLICATION_ROWS}


def _printed_rows(rows: dict[str, Cells]) -> Sequence[str]:
    """Rows the document printed: the （六） sub-rows only when any of them has a value."""
    sub_rows_printed = any(value is not None for key in OTHER_SUB_ROWS for value in rows[key].values())
    return [key for key in APPLICATION_ROWS if sub_rows_printed or key not in OTHER_SUB_ROWS]


def _application_rules(applications: Applications) -> list[dict[str, Any]]:
    balance, handled_sum, row_sum = _Rule("balance"), _Rule("handled_sum"), _Rule("row_sum")
    rows = _rows_of(applications)
    received, carried_over = rows["received"], rows["carried_over"]
    handled, carried_forward = rows["handled_total"], rows["carried_forward"]
    results = [rows[key] for key in RESULT_ROWS]
    for column in APPLICATION_COLUMNS:
        balance.equation(
            f"column {column}: received + carried_over vs handled_total + carried_forward",
            _sum([received[column], carried_over[column]]),
            _sum([handled[column], carried_forward[column]]),
        )
        handled_sum.equation(
            f"column {column}: handled_total vs sum of results",
            handled[column],
            _sum([row[column] for row in results]),
        )
    for key in _printed_rows(rows):
        cells = rows[key]
        row_sum.equation(
            f"row {key}: total vs sum of applicant columns",
            cells["total"],
            _sum([cells[column] for column in APPLICANT_COLUMNS]),
        )
    return [balance.result(), handled_sum.result(), row_sum.result()]


def run_checks(applications: Applications | None, appeals: Appeals | None) -> list[dict[str, Any]]:
    results = _application_rules(applications) if applications is not None else []
    if appeals is not None:
        appeals_sum = _Rule("appeals_sum")
        for group in APPEAL_GROUPS:
            counts = appeals.group(group)
            appeals_sum.equation(
                f"{group}: total vs upheld + corrected + other + pending",
                counts.total,
                _sum([getattr(counts, result) for result in APPEAL_RESULTS]),
            )
        results.append(appeals_sum.result())
    return results


def overall(checks: Sequence[_HasPassed]) -> bool | None:
    """True when no rule failed and at least one held; False when one failed."""
    if any(check.passed is False for check in checks):
        return False
    if any(check.passed is True for check in checks):
        return True
    return None
