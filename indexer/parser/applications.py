"""Section 三 (收到和处理政府信息公开申请): the 7-column matrix → `Applications`.

Rows are read in two passes: first every row whose cells can be read as printed
(seven cells, or a regular table's positions), then the rows that lost or split cells,
placed with the consistency rules against the rows already read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from govreports.keys import APPLICATION_COLUMNS, APPLICATION_ROWS, OTHER_SUB_ROWS
from govreports.model import Applications, Template
from indexer.parser.cells import count_value, read_count
from indexer.parser.labels import APPLICATION_WORDING
from indexer.parser.layout import Row
from indexer.parser.matching import Matched, first_of_each, warn_unknown
from indexer.parser.notes import Notes
from indexer.parser.placement import Values, place_in_windows, place_short, regroup
from indexer.parser.repair import application_order, repair_labels
from indexer.parser.rules import ROW_SUM, application_accept

WIDTH = len(APPLICATION_COLUMNS)
Matrix = dict[str, list[int | None]]


class Grid(NamedTuple):
    """Where a regular table's values sit: on lines of `line_cells` cells, ending at cell `end`;
    or, with `line_cells` None, one cell per line, seven cells to a row."""

    line_cells: int | None
    end: int


def _grid_of(row: Row) -> Grid:
    if row.line_cells is not None:
        return Grid(len(row.line_cells), row.values_end)
    return Grid(None, len(row.cells))


def _regular_grid(rows: Sequence[Matched]) -> Grid | None:
    """The layout every complete row shares, if they all share one: then positions can be trusted."""
    full = [item.row for item in rows if len(item.span) == WIDTH and all(item.span)]
    grids = {_grid_of(row) for row in full}
    if len(grids) != 1:
        return None
    grid = grids.pop()
    return grid if grid.line_cells is not None or grid.end == WIDTH else None


def _by_position(item: Matched, grid: Grid | None) -> list[str] | None:
    """The row's seven cells when it is complete or the table's layout fixes its positions."""
    row = item.row
    if len(item.span) == WIDTH:
        return item.span
    if grid is None:
        return None
    if grid.line_cells is None:
        return row.cells if row.line_cells is None and len(row.cells) == WIDTH else None
    if row.line_cells is not None and len(row.line_cells) == grid.line_cells and row.values_end <= grid.end:
        before, window = row.line_cells[: grid.end - WIDTH], row.line_cells[grid.end - WIDTH : grid.end]
        if all(cell.kind != "label" for cell in window) and all(cell.kind != "value" for cell in before):
            return [cell.text for cell in window]
    return None  # off the grid: a value past its last column (a row shifted by a span)


def _read(cells: Sequence[str], where: str, notes: Notes) -> list[int | None]:
    counts = [read_count(text) for text in cells]
    for column, text, count in zip(APPLICATION_COLUMNS, cells, counts, strict=True):
        if count.warning is not None:  # most cells read cleanly: no need to name them
            notes.cell(count.warning, f"{where}.{column}", text)
    return [count.value for count in counts]


def _filled(item: Matched) -> list[str]:
    return [cell for cell in item.span if cell]


def _placement(item: Matched, matrix: Matrix, explicit_cells: bool) -> Values | None:
    """A row that lost or split cells, placed where the rules and the rows read so far make it certain.

    Its blanks say nothing here: in a table whose layout is not regular they are as
    likely label-column filler as empty cells, so they are not read as positions.
    """
    assert item.key is not None
    accept = application_accept(matrix, item.key)
    filled = _filled(item)
    if len(filled) > WIDTH:
        return regroup(filled, WIDTH, count_value, ROW_SUM, accept)
    if explicit_cells and item.row.line_cells is not None and len(item.row.cells) >= WIDTH:
        # Every cell printed, blanks too (an HTML or ruled table off its grid): a blank is no lost cell.
        cells = [count_value(cell) if cell else None for cell in item.row.cells]
        return place_in_windows(cells, WIDTH, ROW_SUM)
    values = [count_value(cell) if cell else None for cell in item.span]
    return place_short(values, WIDTH, ROW_SUM, accept)


def _placed(item: Matched, placed: Values | None, notes: Notes) -> list[int | None]:
    """The placed row, with the warnings that say how it was placed."""
    where = f"applications.{item.key}"
    filled = _filled(item)
    code = "split_number" if len(filled) > WIDTH else "short_row"
    count = f"{len(filled)} values for {WIDTH} columns"
    if placed is None or all(value is None for value in placed):
        notes.add(code if code == "short_row" else "extra_cells", f"{where}: {count}; no certain placement")
        return [None] * WIDTH
    for text in filled:
        notes.cell(read_count(text).warning, where, text)
    empty = [column for column, value in zip(APPLICATION_COLUMNS, placed, strict=True) if value is None]
    left = f"; {', '.join(empty)} left empty" if empty else ""
    notes.add(code, f"{where}: {count}, placed by the consistency rules{left}")
    return list(placed)


def _place_all(pending: list[Matched], matrix: Matrix, explicit_cells: bool, notes: Notes) -> None:
    """Place the rows that lost or split cells; a row placed whole helps place the others."""
    progress = True
    while pending and progress:
        progress = False
        for item in list(pending):
            placed = _placement(item, matrix, explicit_cells)
            if placed is not None and None not in placed:
                assert item.key is not None
                matrix[item.key] = _placed(item, placed, notes)
                pending.remove(item)
                progress = True
    for item in pending:
        assert item.key is not None
        matrix[item.key] = _placed(item, _placement(item, matrix, explicit_cells), notes)


def _derive_other(matrix: Matrix, notes: Notes) -> None:
    """（六） printed as three sub-rows: `other` is their per-column sum (null where one is null)."""
    if "other" in matrix or not any(key in matrix for key in OTHER_SUB_ROWS):
        return
    parts = [matrix.get(key, [None] * WIDTH) for key in OTHER_SUB_ROWS]
    matrix["other"] = [
        None if any(part[i] is None for part in parts) else sum(part[i] or 0 for part in parts)
        for i in range(WIDTH)
    ]
    empty = [
        column for column, value in zip(APPLICATION_COLUMNS, matrix["other"], strict=True) if value is None
    ]
    if empty:
        left = ", ".join(empty)
        notes.add("missing_cell", f"applications.other: the sum of （六）'s sub-rows; {left} left empty")


def _warn_missing(matrix: Matrix, printed_blank: set[str], sub_rows: bool, notes: Notes) -> None:
    for key in APPLICATION_ROWS:
        if key in matrix or (key in OTHER_SUB_ROWS and not sub_rows):
            continue
        if key in printed_blank:
            notes.add("missing_cell", f"applications.{key}: printed without values")
        else:
            notes.add("missing_row", f"applications.{key}: not printed")


def read(
    matched: Sequence[Matched],
    label_only: set[str],
    template: Template | None,
    explicit_cells: bool,
    notes: Notes,
) -> Applications:
    repair_labels(
        matched,
        application_order([item.key for item in matched if item.key]),
        APPLICATION_WORDING,
        label_only,
        "applications",
        notes,
    )
    warn_unknown(matched, "applications", notes)
    rows: list[Matched] = []
    for item in first_of_each(matched, "applications", notes):
        if template == "2019" and item.key in OTHER_SUB_ROWS:
            notes.add("unexpected_row", f"applications.{item.key}: a 2021 sub-row in a 2019 table; not read")
        else:
            rows.append(item)
    grid = _regular_grid(rows)
    matrix: Matrix = {}
    deferred: list[Matched] = []
    for item in rows:
        assert item.key is not None
        cells = _by_position(item, grid)
        if cells is None and len(_filled(item)) == WIDTH:
            cells = _filled(item)  # seven numbers with a stray blank among them: the blank is filler
        if cells is None:
            deferred.append(item)
        else:
            matrix[item.key] = _read(cells, f"applications.{item.key}", notes)
    _place_all(deferred, matrix, explicit_cells, notes)
    sub_rows = any(key in matrix for key in OTHER_SUB_ROWS)
    _derive_other(matrix, notes)
    _warn_missing(matrix, label_only, sub_rows, notes)
    return Applications.model_validate(
        {key: dict(zip(APPLICATION_COLUMNS, values, strict=True)) for key, values in matrix.items()}
    )
