"""The consistency equations seen from one row: what a placement candidate must not break.

`govreports.checks` judges a whole report and names its first failure; placing a
short row needs the narrower question "does this candidate break an equation it
takes part in?", asked many times per row, so it is answered here on plain lists
with the same rules (report-model.md) and the same row and column keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govreports.keys import APPEAL_GROUPS, APPLICATION_COLUMNS, OTHER_SUB_ROWS, RESULT_ROWS
from indexer.parser.placement import Accept, Equation, Values

# total == the six applicant columns; each appeal group's total == its four results.
ROW_SUM: tuple[Equation, ...] = ((6, (0, 1, 2, 3, 4, 5)),)
APPEALS_SUM: tuple[Equation, ...] = tuple(
    (5 * group + 4, tuple(range(5 * group, 5 * group + 4))) for group in range(len(APPEAL_GROUPS))
)

Matrix = Mapping[str, Sequence[int | None]]
_BALANCE_ROWS = ("received", "carried_over", "handled_total", "carried_forward")
_HANDLED_ROWS = frozenset({*RESULT_ROWS, *OTHER_SUB_ROWS, "handled_total"})


def _sum(values: Sequence[int | None]) -> int | None:
    return None if any(v is None for v in values) else sum(v or 0 for v in values)


def _other(cell: dict[str, int | None]) -> int | None:
    """（六）: the printed row, else the sum of its sub-rows."""
    if "other" in cell:
        return cell["other"]
    parts = [cell.get(row) for row in OTHER_SUB_ROWS]
    return _sum(parts) if any(row in cell for row in OTHER_SUB_ROWS) else None


def _column_holds(cell: dict[str, int | None], key: str) -> bool:
    if key in _BALANCE_ROWS:
        incoming = _sum([cell.get("received"), cell.get("carried_over")])
        outgoing = _sum([cell.get("handled_total"), cell.get("carried_forward")])
        if incoming is not None and outgoing is not None and incoming != outgoing:
            return False
    if key in _HANDLED_ROWS:
        results = [_other(cell) if row == "other" else cell.get(row) for row in RESULT_ROWS]
        handled, added = cell.get("handled_total"), _sum(results)
        if handled is not None and added is not None and handled != added:
            return False
    return True


def application_accept(matrix: Matrix, key: str) -> Accept:
    """A check that candidate values for row `key` break no column rule with the rows read so far.

    The other rows' cells are gathered once, per column, for the many candidates to come:
    `matrix` must not change while they are judged.
    """
    columns = [
        {row: row_values[index] for row, row_values in matrix.items() if row != key}
        for index in range(len(APPLICATION_COLUMNS))
    ]

    def accept(values: Values) -> bool:
        for cell, value in zip(columns, values, strict=True):
            cell[key] = value  # this candidate's cell, replaced by the next candidate's
            if not _column_holds(cell, key):
                return False
        return True

    return accept


def accept_any(_values: Values) -> bool:
    return True
