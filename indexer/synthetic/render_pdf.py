"""A synthetic report as a PDF with ruled tables, laid out by hand with PyMuPDF.

Text uses PyMuPDF's built-in simplified-Chinese font (`china-s`: a Type0 font
with a Unicode CMap, not embedded, every glyph one em wide), so the text layer is
extractable and files stay small. Every cell is drawn as a
ruled rectangle; a row that does not fit starts a new page, so long tables
continue across pages, and a rowspan cell cut by the page break is drawn in two
parts with its text in the first, as word processors print it.

Quirks (see `realism.py`): `page_breaks` cuts a table where the document says
(between two 第二十条 blocks, inside 三, above 四's numbers; the header rows
sometimes drawn again), shades the 第二十条 captions, prints a page number at the
foot of every page and a running header at the top of every page after the first,
in another of PyMuPDF's CJK fonts (`china-ss`); `wrapped_cells` makes the label
columns narrow, so labels wrap over lines and 三's group label stands one character a line.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pymupdf

from indexer.synthetic.document import Heading, PageBreak, Paragraph, Table, blocks
from indexer.synthetic.forms import Cell, Grid
from indexer.synthetic.realism import Quirks
from indexer.synthetic.report import SyntheticReport

FONT = "china-s"
OTHER_FONT = "china-ss"  # the Song face: documents printed by another word processor
SHADE = (0.85, 0.85, 0.85)
FURNITURE_SIZE = 9.0
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
    shades: list[tuple[float, float, float, float]] = field(default_factory=list)  # filled rectangles


@dataclass
class _Writer:
    pages: list[_Page] = field(default_factory=list)
    y: float = PAGE.height  # forces a first page

    def room(self, height: float) -> int:
        """The current page's number if `height` more points fit on it, else a new page's."""
        if not self.pages or self.y + height > PAGE.height - MARGIN:
            self.new_page()
        return len(self.pages) - 1

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.y = MARGIN

    def text(self, text: str, size: float, *, center: bool = False, right: bool = False) -> None:
        leading = size * 1.5
        for line in wrap(text, WIDTH, size):
            page = self.pages[self.room(leading)]
            length = text_length(line, size)
            x = MARGIN + (WIDTH - length) / 2 if center else MARGIN + WIDTH - length if right else MARGIN
            page.texts.append(((x, self.y + size), line, size))
            self.y += leading
        self.y += size * 0.4

    def furnish(self, number_format: str, running_header: str) -> None:
        """A page number at the foot of every page, the running header at the top of the next ones."""
        for index, page in enumerate(self.pages):
            number = number_format.format(index + 1, len(self.pages))
            page.texts.append(
                (
                    (MARGIN + (WIDTH - text_length(number, FURNITURE_SIZE)) / 2, PAGE.height - MARGIN / 2),
                    number,
                    FURNITURE_SIZE,
                )
            )
            if index:
                page.texts.append(((MARGIN, MARGIN / 2), running_header, FURNITURE_SIZE))

    def paint(self, title: str, created: str, font: str = FONT) -> bytes:
        document = pymupdf.open()
        metadata = {"title": title, "creator": "Microsoft Word", "creationDate": created, "modDate": created}
        document.set_metadata(metadata)
        for content in self.pages:
            page = document.new_page(width=PAGE.width, height=PAGE.height)
            shape = page.new_shape()
            for x0, y0, x1, y1 in content.shades:
                shape.draw_rect(pymupdf.Rect(x0, y0, x1, y1))
            if content.shades:
                shape.finish(color=None, fill=SHADE, width=0)
            for start, end in sorted(content.lines):
                shape.draw_line(start, end)
            shape.finish(color=(0, 0, 0), width=0.6)
            for point, text, size in content.texts:
                shape.insert_text(point, text, fontname=font, fontsize=size)
            shape.commit()
        # A fixed file id and dates: the same report always gives the same bytes.
        data: bytes = document.tobytes(garbage=3, deflate=True, no_new_id=True)
        return data


def column_widths(grid: Grid, narrow: random.Random | None = None) -> list[float]:
    """Label columns wide, number columns narrow, filling the text width; with `narrow` (quirk
    `wrapped_cells`) the label columns are cut down so their labels wrap."""
    if grid.width == 10:  # 三: three label columns, seven numbers
        label = [40.0, 78.0, 118.0]
        if narrow:  # the first one character wide: 三、本年度办理结果 stands one character a line
            label = [
                round(narrow.uniform(11.5, 16), 1),
                round(narrow.uniform(34, 60), 1),
                round(narrow.uniform(52, 90), 1),
            ]
        return label + [(WIDTH - sum(label)) / 7] * 7
    if grid.width == 4:  # 二: one label column, three numbers
        share = round(narrow.uniform(0.11, 0.17), 3) if narrow else 0.34
        return [WIDTH * share] + [WIDTH * (1 - share) / 3] * 3
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


def _table(
    writer: _Writer,
    grid: Grid,
    page_break: PageBreak | None = None,
    narrow: random.Random | None = None,
    shaded: bool = False,
) -> None:
    if page_break is not None:
        grid = grid.with_header_repeated(page_break.row, page_break.repeat_header)
    widths = column_widths(grid, narrow)
    heights = row_heights(grid, widths)
    lefts = [MARGIN + sum(widths[:c]) for c in range(grid.width)]
    # Place rows first: the page number and top of each row.
    placed: list[tuple[int, float]] = []
    for row, height in enumerate(heights):
        if page_break is not None and row == page_break.row and writer.y > MARGIN:
            writer.new_page()
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
            if shaded and cell.header and cell.text.startswith("第二十条"):
                writer.pages[number].shades.append(tuple(rect))  # the captions' grey band
            _draw_cell(writer.pages[number], rect, share, center=len(share) == len(lines))
    writer.y += BODY_SIZE


def _layout(report: SyntheticReport) -> _Writer:
    """Every page's rulings, shading and text, placed."""
    quirks: Quirks = report.quirks
    writer = _Writer()
    page_break: PageBreak | None = None
    for block in blocks(report):
        if isinstance(block, Heading):
            writer.text(block.text, HEADING_SIZES[block.level], center=block.level == 0)
        elif isinstance(block, Paragraph):
            writer.text(block.text, BODY_SIZE, right=block.align_right)
        else:
            _table(writer, block.grid, *_table_quirks(block, quirks))
            page_break = page_break or block.page_break
    if "page_breaks" in quirks and page_break is not None:
        writer.furnish(page_break.number_format, page_break.running_header)
    return writer


def _table_quirks(table: Table, quirks: Quirks) -> tuple[PageBreak | None, random.Random | None, bool]:
    page_break = table.page_break if "page_breaks" in quirks else None
    narrow = quirks.rng("wrapped_cells", table.name) if "wrapped_cells" in quirks else None
    return page_break, narrow, "page_breaks" in quirks


PageContent = tuple[
    list[tuple[Point, Point]], list[tuple[Point, str, float]], list[tuple[float, float, float, float]]
]


def pages(report: SyntheticReport) -> list[PageContent]:
    """What each page shows (rulings, texts, shading): the PDF's content, free of the library's
    own bytes (its version is in every file), so tests can pin it."""
    return [(sorted(page.lines), page.texts, page.shades) for page in _layout(report).pages]


def render(report: SyntheticReport) -> bytes:
    published = report.truth.published_date
    created = f"D:{published:%Y%m%d}090000+08'00'" if published else ""
    font = OTHER_FONT if "page_breaks" in report.quirks else FONT
    # The file's title: the page heading when the document has one apart from its title line.
    return _layout(report).paint(report.titles[-1], created, font)
