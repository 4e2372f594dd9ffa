"""A synthetic report as a PDF with ruled tables, laid out by hand with PyMuPDF.

Text uses PyMuPDF's built-in simplified-Chinese font (`china-s`: a Type0 font
with a Unicode CMap, not embedded, every glyph one em wide), so the text layer is
extractable and files stay small. Every cell is drawn as a
ruled rectangle; a row that does not fit starts a new page, so long tables
continue across pages, and a rowspan cell cut by the page break is drawn in two
parts with its text in the first, as word processors print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pymupdf

from indexer.synthetic.document import Heading, Paragraph, blocks
from indexer.synthetic.forms import Cell, Grid
from indexer.synthetic.report import SyntheticReport

FONT = "china-s"
PAGE = pymupdf.paper_rect("a4")
MARGIN = 56.0
WIDTH = PAGE.width - 2 * MARGIN
BODY_SIZE = 10.5
TABLE_SIZE = 7.5
HEADING_SIZES = {0: 15.0, 1: 12.0, 2: 10.5}
PADDING = 2.0
MIN_ROW = 14.0


def text_length(text: str, size: float) -> float:
    """Width in points: the non-embedded CJK font gives every character one em."""
    return len(text) * size


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break `text` into lines no wider than `width` (CJK text breaks between any characters)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if line and text_length(line + char, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


Point = tuple[float, float]


@dataclass
class _Page:
    """What one page shows, collected during layout and painted at the end in one go."""

    lines: set[tuple[Point, Point]] = field(default_factory=set)
    texts: list[tuple[Point, str, float]] = field(default_factory=list)


@dataclass
class _Writer:
    pages: list[_Page] = field(default_factory=list)
    y: float = PAGE.height  # forces a first page

    def room(self, height: float) -> int:
        """The current page's number if `height` more points fit on it, else a new page's."""
        if not self.pages or self.y + height > PAGE.height - MARGIN:
            self.pages.append(_Page())
            self.y = MARGIN
        return len(self.pages) - 1

    def text(self, text: str, size: float, *, center: bool = False, right: bool = False) -> None:
        leading = size * 1.5
        for line in wrap(text, WIDTH, size):
            page = self.pages[self.room(leading)]
            length = text_length(line, size)
            x = MARGIN + (WIDTH - length) / 2 if center else MARGIN + WIDTH - length if right else MARGIN
            page.texts.append(((x, self.y + size), line, size))
            self.y += leading
        self.y += size * 0.4

    def paint(self, title: str, created: str) -> bytes:
        document = pymupdf.open()
        metadata = {"title": title, "creator": "Microsoft Word", "creationDate": created, "modDate": created}
        document.set_metadata(metadata)
        for content in self.pages:
            page = document.new_page(width=PAGE.width, height=PAGE.height)
            shape = page.new_shape()
            for start, end in sorted(content.lines):
                shape.draw_line(start, end)
            shape.finish(color=(0, 0, 0), width=0.6)
            for point, text, size in content.texts:
                shape.insert_text(point, text, fontname=FONT, fontsize=size)
            shape.commit()
        # A fixed file id and dates: the same report always gives the same bytes.
        data: bytes = document.tobytes(garbage=3, deflate=True, no_new_id=True)
        return data


def column_widths(grid: Grid) -> list[float]:
    """Label columns wide, number columns narrow, filling the text width."""
    if grid.width == 10:  # 三: three label columns, seven numbers
        label = [40.0, 78.0, 118.0]
        return label + [(WIDTH - sum(label)) / 7] * 7
    if grid.width == 4:  # 二: one label column, three numbers
        return [WIDTH * 0.34] + [WIDTH * 0.22] * 3
    return [WIDTH / grid.width] * grid.width


def _needed_height(cell: Cell, widths: list[float]) -> float:
    width = sum(widths[cell.col : cell.col + cell.colspan]) - 2 * PADDING
    return len(wrap(cell.text, width, TABLE_SIZE)) * TABLE_SIZE * 1.3 + 2 * PADDING


def row_heights(grid: Grid, widths: list[float]) -> list[float]:
    heights = [MIN_ROW] * grid.height
    for cell in grid.cells:
        if cell.rowspan == 1:
            heights[cell.row] = max(heights[cell.row], _needed_height(cell, widths))
    for cell in grid.cells:
        spanned = heights[cell.row : cell.row + cell.rowspan]
        missing = _needed_height(cell, widths) - sum(spanned)
        if cell.rowspan > 1 and missing > 0:
            heights[cell.row + cell.rowspan - 1] += missing
    return heights


def _draw_cell(page: _Page, rect: pymupdf.Rect, lines: list[str], *, center: bool) -> None:
    x0, y0, x1, y1 = (round(v, 2) for v in rect)
    page.lines |= {((x0, y0), (x1, y0)), ((x0, y1), (x1, y1)), ((x0, y0), (x0, y1)), ((x1, y0), (x1, y1))}
    leading = TABLE_SIZE * 1.3
    top = rect.y0 + (rect.height - leading * len(lines)) / 2 if center else rect.y0 + PADDING
    for index, line in enumerate(lines):
        x = rect.x0 + (rect.width - text_length(line, TABLE_SIZE)) / 2
        page.texts.append(((x, top + leading * index + TABLE_SIZE), line, TABLE_SIZE))


def _fill(lines: list[str], heights: list[float]) -> list[list[str]]:
    """Share a cell's lines among its parts on successive pages, as a word processor flows them."""
    leading = TABLE_SIZE * 1.3
    out: list[list[str]] = []
    for index, height in enumerate(heights):
        capacity = len(lines) if index == len(heights) - 1 else max(int((height - 2 * PADDING) // leading), 0)
        out.append(lines[:capacity])
        lines = lines[capacity:]
    return out


def _table(writer: _Writer, grid: Grid) -> None:
    widths = column_widths(grid)
    heights = row_heights(grid, widths)
    lefts = [MARGIN + sum(widths[:c]) for c in range(grid.width)]
    # Place rows first: the page number and top of each row.
    placed: list[tuple[int, float]] = []
    for height in heights:
        placed.append((writer.room(height), writer.y))
        writer.y += height
    for cell in grid.cells:
        x0, x1 = lefts[cell.col], lefts[cell.col] + sum(widths[cell.col : cell.col + cell.colspan])
        # One rectangle per page the cell lies on.
        pages: dict[int, list[int]] = {}
        for r in range(cell.row, cell.row + cell.rowspan):
            pages.setdefault(placed[r][0], []).append(r)
        rects = [
            pymupdf.Rect(x0, placed[rows[0]][1], x1, placed[rows[-1]][1] + heights[rows[-1]])
            for rows in pages.values()
        ]
        lines = wrap(cell.text, x1 - x0 - 2 * PADDING, TABLE_SIZE)
        shares = _fill(lines, [rect.height for rect in rects])
        for number, rect, share in zip(pages, rects, shares, strict=True):
            _draw_cell(writer.pages[number], rect, share, center=len(share) == len(lines))
    writer.y += BODY_SIZE


def render(report: SyntheticReport) -> bytes:
    writer = _Writer()
    for block in blocks(report):
        if isinstance(block, Heading):
            writer.text(block.text, HEADING_SIZES[block.level], center=block.level == 0)
        elif isinstance(block, Paragraph):
            writer.text(block.text, BODY_SIZE, right=block.align_right)
        else:
            _table(writer, block.grid)
    published = report.truth.published_date
    created = f"D:{published:%Y%m%d}090000+08'00'" if published else ""
    return writer.paint(report.truth.title or "", created)
