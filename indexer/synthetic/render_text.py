"""Plain-text layouts of a synthetic report, as text extracted from real pages looks.

- `cell_per_line` (seeds 000/001): each table cell on its own TAB-led line, rows
  separated by blank lines; a colspan cell appears once, a rowspan cell leaves an
  empty line in each row below it (as Word's vertically merged cells copy out).
- `tab_rows` (seeds 002–004): one row per line, cells TAB-separated, full width;
  long labels may continue on the next line.
- `pipes`: Markdown-ish `| a | b |` rows with a `|---|` line under each table's first row.

Quirks (see `realism.py`): `page_breaks` puts a page-number line and a running header
between two rows of a table (and sometimes its header rows again), as text copied
out of a PDF shows; `scan_text` prints a scan's conversion (`列1`… headers, the
header repeated inside table 三, stray marks in labels); `wrapped_cells` (tab_rows)
spreads cells over several lines as narrow PDF columns come out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from indexer.synthetic import forms
from indexer.synthetic.document import Heading, PageBreak, Paragraph, Table, blocks
from indexer.synthetic.forms import Cell, Grid
from indexer.synthetic.realism import Quirks
from indexer.synthetic.report import SyntheticReport

_PADDINGS = ("", "", "", " ", "  ", "　", "　　")
Lines = list[list[str]]  # per grid row, the text lines it prints as


def _heading(block: Heading, markdown: bool) -> str:
    if markdown:
        return f"{'#' * (block.level + 1)} {block.text}"
    return block.text


def _is_number(text: str) -> bool:
    return bool(text) and text.lstrip("+-").replace(".", "").isdigit()


def _padded(text: str, rng: random.Random) -> str:
    """Stray spaces around numbers, as copied cells often have (seed 000's ` 0`, seed 001's `　　0`)."""
    if not _is_number(text):
        return text
    return rng.choice(_PADDINGS) + text + rng.choice(_PADDINGS)


def _cell_per_line(grid: Grid, rng: random.Random) -> Lines:
    rows: Lines = []
    for r, line in enumerate(grid.owners()):
        cells = [cell.text if cell.row == r else "" for c, cell in enumerate(line) if cell.col == c]
        rows.append(["\n".join(f"\t{_padded(text, rng)}" for text in cells)])
    return rows


def _split_label(row: list[str], width: int) -> list[list[str]]:
    """A data row whose longest label exceeds `width` continues that label on a second line."""
    lengths = [len(text) if not _is_number(text) else 0 for text in row]
    longest = max(range(len(row)), key=lengths.__getitem__)
    if width == 0 or lengths[longest] <= width:
        return [row]
    head, tail = row[longest][:width], row[longest][width:]
    continuation = [""] * len(row)
    continuation[longest] = tail
    return [[*row[:longest], head, *row[longest + 1 :]], continuation]


def _tab_rows(grid: Grid, wrap_width: int) -> Lines:
    header_rows = {cell.row for cell in grid.cells if cell.header}
    rows: Lines = []
    for r, row in enumerate(grid.expanded()):
        cells = [text.replace("\n", "") for text in row]
        rows.append(
            ["\t".join(part) for part in ([cells] if r in header_rows else _split_label(cells, wrap_width))]
        )
    return rows


def _pipes(grid: Grid) -> Lines:
    rows = [["| " + " | ".join(text.replace("\n", "") for text in row) + " |"] for row in grid.expanded()]
    rows[0].append("|" + "---|" * grid.width)
    return rows


# --- quirk `wrapped_cells` (tab_rows) ------------------------------------------------------


def _chunks(text: str, count: int) -> list[str]:
    """`text` cut into `count` pieces of (nearly) equal length, none empty."""
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    pieces, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        pieces.append(text[start:end])
        start = end
    return pieces


def _fragments(cell: Cell, grid: Grid, width: int, split_headers: bool, rng: random.Random) -> list[str]:
    """The lines one cell's text comes out as from a narrow column."""
    text = cell.text.replace("\n", "")
    if not text or _is_number(text):
        return [text]
    if cell.header:
        if split_headers and cell.rowspan == 1 and cell.colspan == 1 and len(text) > 3:
            return _chunks(text, (len(text) + 1) // 2)  # 法律 / 服务 / 机构
        return _chunks(text, -(-len(text) // (3 * width)) if len(text) > 3 * width else 1)
    if cell.rowspan > 1:  # a group label: one character a line, or broken after its number
        bracket = next((i for i, char in enumerate(text) if char in "）)"), -1)
        if 0 < bracket < len(text) - 1 and rng.random() < 0.4:
            return [text[:bracket], text[bracket:]]  # （五 / ）不予处理
        return list(text)
    lines = -(-len(text) // width)
    return _chunks(text, min(lines, 3))


def _wrapped_rows(grid: Grid, rng: random.Random) -> list[list[list[str]]]:
    """Per grid row, its text lines as cells (full width): labels wrapped over up to three lines,
    group labels down the lines of the rows they span, the numbers on one line of their row."""
    width = rng.choice((6, 8, 10, 12))
    split_headers = rng.random() < 0.6
    origins = [cell for row in grid.origins() for cell in row]
    pieces = {id(cell): _fragments(cell, grid, width, split_headers, rng) for cell in origins}
    counts = [1] * grid.height
    for cell in origins:
        if cell.rowspan == 1:
            counts[cell.row] = max(counts[cell.row], len(pieces[id(cell)]))
    starts = [sum(counts[:r]) for r in range(grid.height)]
    lines = [[""] * grid.width for _ in range(sum(counts))]
    value_line = [starts[r] + rng.choice((0, counts[r] - 1, counts[r] // 2)) for r in range(grid.height)]
    for cell in origins:
        fragments = pieces[id(cell)]
        if len(fragments) == 1 and _is_number(fragments[0]):
            lines[value_line[cell.row]][cell.col] = fragments[0]
            continue
        first = starts[cell.row]
        room = sum(counts[cell.row : cell.row + cell.rowspan])
        if len(fragments) > room:
            fragments = _chunks("".join(fragments), room)
        offset = (room - len(fragments)) // 2 if cell.rowspan > 1 else 0
        for index, fragment in enumerate(fragments):
            lines[first + offset + index][cell.col] = fragment
    return [lines[starts[r] : starts[r] + counts[r]] for r in range(grid.height)]


def _wrapped_tab_rows(grid: Grid, rng: random.Random) -> Lines:
    return [["\t".join(line) for line in row] for row in _wrapped_rows(grid, rng)]


# --- quirk `scan_text` ------------------------------------------------------------------------

_STRAY_MARKS = "|丨·_"


def _moved(page_break: PageBreak | None, at: int, by: int) -> PageBreak | None:
    """The page break after rows from `at` on moved down `by` rows."""
    if page_break is None or page_break.row < at:
        return page_break
    return replace(page_break, row=page_break.row + by)


def _with_stray_marks(grid: Grid, marks: str, rng: random.Random) -> Grid:
    labels = [c for c in grid.cells if len(c.text) > 1 and not c.header and not _is_number(c.text)]
    chosen = rng.sample(labels, min(len(labels), rng.randint(1, 2)))
    changes: dict[Cell, str] = {}
    for cell in chosen:
        mark, at = rng.choice(marks), rng.choice((0, len(cell.text), rng.randint(1, len(cell.text) - 1)))
        changes[cell] = cell.text[:at] + mark + cell.text[at:]
    return forms.retext(grid, {}, cells=changes)


def _scanned(table: Table, marks: str, rng: random.Random) -> Table:
    """A table as a scan's text conversion prints it: generic 列N headers (三, 四), the header
    rows again in the middle of 三, stray marks in a label or two; at least one of them."""
    effects = [e for e in ("generic", "repeat", "stray") if rng.random() < 0.6] or [
        rng.choice(("generic", "stray"))
    ]
    grid, page_break = table.grid, table.page_break
    if "generic" in effects and table.name != "active":
        count = forms.header_rows(grid)
        grid = grid.with_generic_header()
        page_break = _moved(page_break, count, 1 - count)
        if page_break is not None and page_break.repeat_header:
            page_break = replace(page_break, repeat_header=1)
    if "repeat" in effects and table.name == "applications":
        count = forms.header_rows(grid)
        row = rng.randrange(count + 1, grid.height)
        grid = grid.with_header_repeated(row, count)
        page_break = _moved(page_break, row, count)
    if "stray" in effects or table.name == "active":
        grid = _with_stray_marks(grid, marks, rng)
    return Table(grid, table.name, page_break)


# --- rendering --------------------------------------------------------------------------------


def _paged(table: Table, rows: Callable[[Grid], Lines], quirks: Quirks) -> list[str]:
    """The table's lines, with the page-number line and running header between the two pages
    a `page_breaks` quirk cuts it into (and its header rows again when they repeat)."""
    page_break = table.page_break if "page_breaks" in quirks else None
    if page_break is None:
        return [line for row in rows(table.grid) for line in row]
    grid = table.grid.with_header_repeated(page_break.row, page_break.repeat_header)
    printed = rows(grid)
    before = [line for row in printed[: page_break.row] for line in row]
    after = [line for row in printed[page_break.row :] for line in row]
    return [*before, page_break.number, page_break.running_header, *after]


def _render(
    report: SyntheticReport, table: Callable[[Grid], Lines], marks: str, *, join: str = "\n", gap: int = 1
) -> bytes:
    """The report's lines; a table's rows joined by `join`, `gap` empty lines after it."""
    quirks = report.quirks
    lines: list[str] = []
    for block in blocks(report):
        if isinstance(block, Heading):
            lines += [_heading(block, report.style.markdown_headings), ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        else:
            if "scan_text" in quirks:
                block = _scanned(block, marks, quirks.rng("scan_text", block.name))
            lines += [join.join(_paged(block, table, quirks)), *[""] * gap]
    return "\n".join(lines).encode("utf-8")


def cell_per_line(report: SyntheticReport) -> bytes:
    rng = random.Random(report.truth.id)
    # Rows are separated by a blank line; the table is followed by three.
    return _render(report, lambda grid: _cell_per_line(grid, rng), _STRAY_MARKS, join="\n\n", gap=3)


def tab_rows(report: SyntheticReport) -> bytes:
    if "wrapped_cells" in report.quirks:
        rng = report.quirks.rng("wrapped_cells")
        return _render(report, lambda grid: _wrapped_tab_rows(grid, rng), _STRAY_MARKS)
    return _render(report, lambda grid: _tab_rows(grid, report.style.wrap_width), _STRAY_MARKS)


def pipes(report: SyntheticReport) -> bytes:
    # A `|` in a label would split its cell here: the other marks only.
    return _render(report, _pipes, _STRAY_MARKS.replace("|", ""))
