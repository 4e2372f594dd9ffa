"""Section 二 (主动公开): the 第二十条 blocks → `Active2019` / `Active2021`."""

from __future__ import annotations

from collections.abc import Sequence

from govreports.model import Active2019, Active2021, Template
from indexer.parser.cells import Unit, header_unit, read_count, read_money
from indexer.parser.labels import ACTIVE_WORDING, active_key
from indexer.parser.layout import Row
from indexer.parser.matching import Matched, first_of_each, match_rows, positional, warn_unknown
from indexer.parser.notes import Notes
from indexer.parser.repair import repair_labels

Number = int | float | None

COLUMNS: dict[Template, dict[str, tuple[str, ...]]] = {
    "2019": {
        "regulations": ("new_made", "new_published", "total_published"),
        "normative_documents": ("new_made", "new_published", "total_published"),
        "licensing": ("previous_items", "change", "decisions"),
        "other_services": ("previous_items", "change", "decisions"),
        "penalties": ("previous_items", "change", "decisions"),
        "coercive_measures": ("previous_items", "change", "decisions"),
        "fees": ("previous_items", "change"),
        "procurement": ("items", "amount_yuan"),
    },
    "2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_documents": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalties": ("decisions",),
        "coercive_measures": ("decisions",),
        "fees": ("amount_yuan",),
    },
}
# The unit of a money cell that says none, under a header that says none either:
# the 2019 form prints 采购总金额 without a unit (people write 元); the 2021 fee column is in 万元.
DEFAULT_UNIT: dict[Template, Unit] = {"2019": "yuan", "2021": "wan"}


def _headers(rows: Sequence[Row]) -> dict[int, str]:
    """Per data row (by id), the header text printed since the data row before it, and its own label."""
    headers: dict[int, str] = {}
    pending: list[str] = []
    for row in rows:
        if row.has_values:
            headers[id(row)] = "".join([*pending, row.label])
            pending = []
        else:
            pending.append(row.label)
    return headers


def _cells(item: Matched, width: int, where: str, notes: Notes) -> list[str] | None:
    """The row's `width` cell texts; None when cells were lost or split (no rule here can place them)."""
    span = item.span
    if len(span) == width:
        return span
    window = positional(item.row.cells, width)
    if window is not None:
        return window
    filled = sum(1 for cell in span if cell)
    code = "short_row" if filled < width else "extra_cells"
    notes.add(code, f"{where}: {filled} values for {width} columns; left empty")
    return None


def _read_row(item: Matched, template: Template, header: str, notes: Notes) -> dict[str, Number]:
    assert item.key is not None
    columns = COLUMNS[template][item.key]
    where = f"active.{item.key}"
    cells = _cells(item, len(columns), where, notes)
    if cells is None:
        return dict.fromkeys(columns)
    values: dict[str, Number] = {}
    for column, text in zip(columns, cells, strict=True):
        if column == "amount_yuan":
            value, code = read_money(text, header_unit(header), DEFAULT_UNIT[template])
        else:
            value, code = read_count(text)
        if code is not None:  # most cells read cleanly: no need to name them
            notes.cell(code, f"{where}.{column}", text)
        values[column] = value
    return values


def read(rows: Sequence[Row], template: Template, notes: Notes) -> Active2019 | Active2021:
    matched, label_only = match_rows(rows, active_key, ACTIVE_WORDING)
    repair_labels(matched, tuple(COLUMNS[template]), ACTIVE_WORDING, label_only, "active", notes)
    warn_unknown(matched, "active", notes)
    headers = _headers(rows)
    columns = COLUMNS[template]
    table: dict[str, dict[str, Number]] = {}
    for item in first_of_each([m for m in matched if m.key != "ignored"], "active", notes):
        assert item.key is not None
        if item.key not in columns:
            notes.add("unexpected_row", f"active.{item.key}: not a row of template {template}; not read")
            continue
        table[item.key] = _read_row(item, template, headers[id(item.row)], notes)
    for key in columns:
        if key not in table:
            if key in label_only:
                notes.add("missing_cell", f"active.{key}: printed without values")
            else:
                notes.add("missing_row", f"active.{key}: not printed")
    model = Active2019 if template == "2019" else Active2021
    return model.model_validate(table)
