"""Any text layout of a table → logical rows: the label cells, then the value cells after them.

Layouts read (formats-in-the-wild §6): one row per line with TAB- or pipe-separated
cells; one cell per line (TAB-led, blank lines between rows, `| `-ended, or separated
by blank lines); space-separated PDF rows; labels wrapped onto the next line; rows
broken by page artifacts; Markdown separators and headings.

Rows are not found by position but by the order of cells: label cells open a row,
value cells follow them, and the next label after a value opens the next row. Line
ends of multi-cell lines and blank lines are soft boundaries: a label after one opens
a new row even without values in between (a header row), while values after one
still belong to the row above (a row continued on the next line or page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Literal, NamedTuple

from indexer.parser.cells import CELL_CACHE_LIMIT, Kind, classify, ocr_digits
from indexer.parser.memo import short_text_cache
from indexer.parser.normalize import nfkc, strip_markdown_heading

LineKind = Literal["row", "cell", "empty", "skip"]

_SEPARATOR_CELL = re.compile(r":?-{3,}:?")
_PAGE_ARTIFACT = re.compile(r"[-—–]+\d{1,4}[-—–]+|第\d{1,4}页(?:,?共\d{1,4}页)?|\d{1,4}/\d{1,4}")
_HTML_SPACE = re.compile(r"<br\s*/?>|&nbsp;", re.IGNORECASE)
# A number and its unit split by a space (`362.24 万元`) are one cell.
_NUMBER_UNIT_GAP = re.compile(r"(\d)\s+(万元|元|件|个|项)(?=\s|$)")


class Cell(NamedTuple):
    text: str  # NFKC, stripped; a label also has its inner whitespace removed
    kind: Kind


_BLANK = Cell("", "blank")


# Cell texts repeat a lot (blanks, 0, 1, the form's labels), within a table and across reports.
@short_text_cache(limit=CELL_CACHE_LIMIT)
def _split_cell(text: str) -> tuple[Cell, ...]:
    """A cell holding several numbers (`1 2`, a lost separator) is several value cells."""
    parts = [ocr_digits(part) for part in text.split()] if "〇" in text else text.split()
    if len(parts) > 1:
        parts = _NUMBER_UNIT_GAP.sub(r"\1\2", text).split()
        kinds = [classify(part) for part in parts]
        if all(kind == "value" for kind in kinds):
            return tuple(Cell(part, "value") for part in parts)
        label = "".join(parts)
        return (Cell(label, classify(label)),)
    if not parts:
        return (_BLANK,)
    return (Cell(parts[0], classify(parts[0])),)


def _plain_cells(text: str) -> list[Cell]:
    """Space-separated tokens: numbers are cells, consecutive words are one label cell."""
    cells: list[Cell] = []
    for word in _NUMBER_UNIT_GAP.sub(r"\1\2", text).split():
        token = ocr_digits(word) if "〇" in word else word
        kind = classify(token)
        if kind == "label" and cells and cells[-1].kind == "label":
            cells[-1] = Cell(cells[-1].text + token, "label")
        else:
            cells.append(Cell(token, kind))
    return cells


def _pipe_cells(stripped: str) -> list[str]:
    parts = stripped.split("|")
    if stripped.startswith("|"):
        parts = parts[1:]
    if stripped.endswith("|"):
        parts = parts[:-1]
    return parts


Cells = tuple[Cell, ...]


def split_line(raw: str) -> tuple[Cells, LineKind]:
    """The cells of one physical line and what kind of line it is.

    `cell`: one cell of a cell-per-line layout (a lone `\\t` is a blank cell);
    `row`: several cells of one table row; `empty`: a row boundary; `skip`: noise.
    """
    text = nfkc(raw).rstrip("\r\n")
    if "&" in text or "<" in text:  # HTML left in copied text: `本年新<br />制作数量`, `&nbsp;` cells
        text = _HTML_SPACE.sub(" ", text)
    stripped = text.strip()
    if "\t" in text:
        parts = text.split("\t")
        if len(parts) == 2 and not parts[0].strip():
            return _split_cell(parts[1]), "cell"
        texts = parts
    elif "|" in stripped:
        texts = _pipe_cells(stripped)
        if not "".join(texts).strip():
            return (), "skip"
        if len(texts) == 1:  # `规章 |`: one cell per line, each closed by a pipe
            return _split_cell(texts[0]), "cell"
    elif not stripped:
        return (), "empty"
    else:
        stripped = strip_markdown_heading(stripped)
        word = "".join(stripped.split())
        if _PAGE_ARTIFACT.fullmatch(word) or _SEPARATOR_CELL.fullmatch(word):
            return (), "skip"
        if word == stripped:  # one word: the common cell-per-line case
            return (Cell(word, classify(word)),), "cell"
        cells = _plain_cells(stripped)
        return tuple(cells), "row" if len(cells) > 1 else "cell"
    row = tuple(chain.from_iterable(map(_split_cell, texts)))
    filled = [cell for cell in row if cell.kind != "blank"]
    if not filled:
        return (), "empty"
    if all(_SEPARATOR_CELL.fullmatch(cell.text) for cell in filled):
        return (), "skip"
    return row, "row"


@dataclass(slots=True)
class Row:
    """One logical table row: label parts (compact text), then its cells ("" for a blank)."""

    parts: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    # When all of the row's values sit on one multi-cell line: that line's cells and the
    # index just after its last value, so a regular table can be read by position.
    line_cells: tuple[Cell, ...] | None = None
    values_end: int = 0
    value_lines: set[int] = field(default_factory=set)

    @property
    def label(self) -> str:
        return "".join(self.parts)

    @property
    def has_values(self) -> bool:
        return any(self.cells)

    def span(self) -> list[str]:
        """The cells from the first to the last value: blanks around them are label or layout filler."""
        cells = self.cells
        start, end = 0, len(cells)
        while start < end and not cells[start]:
            start += 1
        while end > start and not cells[end - 1]:
            end -= 1
        return cells[start:end]


# Value and blank cells that follow each other on a line: they always go into one row together.
# Their texts ("" for a blank), and where the first value is (None when all are blanks). A plain
# tuple of strings and ints, which the garbage collector stops tracking: lines are kept in a cache.
_Run = tuple[tuple[str, ...], int | None]


class _Line(NamedTuple):
    """A physical line as the row builder takes it."""

    kind: LineKind
    cells: Cells
    pieces: tuple[str | _Run, ...]  # label texts, and the runs between them
    values_end: int  # the index just after its last value cell


# Table lines repeat across reports (header rows, rows of zeros): each is read once.
@short_text_cache(limit=400)
def _read_line(raw: str) -> _Line:
    """A line's cells, and its labels and runs in order, as the row builder takes them."""
    cells, kind = split_line(raw)
    pieces: list[str | _Run] = []
    run: list[str] = []
    first_value: int | None = None
    values_end = 0
    for index, cell in enumerate(cells):
        if cell.kind == "label":
            if run:
                pieces.append((tuple(run), first_value))
                run, first_value = [], None
            pieces.append(cell.text)
            continue
        if cell.kind == "value":
            values_end = index + 1
            if first_value is None:
                first_value = len(run)
        run.append(cell.text)
    if run:
        pieces.append((tuple(run), first_value))
    return _Line(kind, cells, tuple(pieces), values_end)


class _Builder:
    _LABEL_LIMIT = 40  # parts kept per row: a runaway paragraph must not grow without bound

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.current: Row | None = None
        self.current_has_values = False
        self.boundary = True
        self.pending_blanks = 0

    def _open(self) -> Row:
        self.current = Row()
        self.rows.append(self.current)
        self.current_has_values = False
        self.pending_blanks = 0
        return self.current

    def label(self, text: str) -> None:
        row = self.current
        if row is None or self.current_has_values or (self.boundary and row.parts):
            row = self._open()
        elif len(row.parts) >= self._LABEL_LIMIT:
            del row.parts[0]
        row.parts.append(text)
        row.cells.clear()  # blanks before a label are the label columns' filler
        self.pending_blanks = 0
        self.boundary = False

    def run(self, run: _Run, line: int) -> None:
        # After a boundary a blank belongs to whatever comes next: the next row's label
        # columns (dropped) or, when values follow, the row being continued.
        texts, first_value = run
        if first_value is None:
            if self.boundary or self.current is None:
                self.pending_blanks += len(texts)
            else:
                self.current.cells.extend(texts)
            return
        if self.current is None:  # values before any label open a row; blanks before them are filler
            row = self._open()
            row.cells.extend(texts[first_value:])
        else:
            row = self.current
            row.cells.extend([""] * self.pending_blanks)
            row.cells.extend(texts)
        row.value_lines.add(line)
        self.current_has_values = True
        self.pending_blanks = 0
        self.boundary = False

    def add(self, line: _Line, index: int) -> None:
        for piece in line.pieces:
            if isinstance(piece, str):
                self.label(piece)
            else:
                self.run(piece, index)
        row = self.current
        if line.kind == "row" and row is not None and row.value_lines == {index}:
            row.line_cells, row.values_end = line.cells, line.values_end
        if line.kind in ("row", "empty"):
            self.boundary = True
            self.pending_blanks = 0


def logical_rows(lines: Sequence[str]) -> list[Row]:
    builder = _Builder()
    for index, raw in enumerate(lines):
        line = _read_line(raw)
        if line.kind != "skip":
            builder.add(line, index)
    return [row for row in builder.rows if row.parts or row.has_values]
