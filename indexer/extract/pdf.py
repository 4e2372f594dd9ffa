"""PDF: text in reading order, ruled tables rebuilt from their lines and printed as TAB rows.

PyMuPDF's `find_tables()` takes 0.1–3 s a page on these reports (see
docs/benchmarks.md), far from the 10 reports/s target, so tables are rebuilt
directly from the page's ruling: the horizontal and vertical strokes (or thin
filled rectangles) give the grid, a missing stroke between two grid cells means
they are one merged cell, and each character goes to the cell under its centre.
A merged cell's text sits in its top-left position, the others are empty — the
same full-width rows every extractor prints. A table cut by a page break comes
out as consecutive parts, one per page.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pymupdf

from govreports.errors import ExtractionError
from govreports.model import ParseWarning
from indexer.extract import Extracted
from indexer.extract.text import check_size

MAX_PAGES = 500
_SNAP = 2.0  # points within which two rulings are the same line
_THIN = 3.0  # a filled rectangle thinner than this is a ruling, not shading
_MIN_CELL = 4.0  # grid rows/columns narrower than this are double lines, not cells

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)


def extract(data: bytes) -> Extracted:
    check_size(data, "PDF")
    if b"%%EOF" not in data[-4096:]:
        raise ExtractionError("truncated PDF: the end-of-file marker is missing")
    try:
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception as error:  # PyMuPDF raises FileDataError, RuntimeError, ValueError for bad files
        raise ExtractionError(f"unreadable PDF: {error}") from error
    with document:
        if document.needs_pass:
            raise ExtractionError("encrypted PDF: it needs a password to open")
        if document.page_count == 0:
            raise ExtractionError("PDF has no pages")
        warnings: list[ParseWarning] = []
        if document.is_repaired:
            warnings.append(
                ParseWarning(code="pdf_repaired", detail="the PDF is damaged; read what could be repaired")
            )
        if document.page_count > MAX_PAGES:
            warnings.append(
                ParseWarning(code="pages_skipped", detail=f"only the first {MAX_PAGES} pages read")
            )
        try:
            pages = [read_page(page) for page in document.pages(0, min(document.page_count, MAX_PAGES))]
            title = (document.metadata or {}).get("title") or None
        except Exception as error:  # a damaged page stream fails inside MuPDF
            raise ExtractionError(f"unreadable PDF page: {error}") from error
    link_continued_tables(pages)
    lines = [line for page in pages for line in page.lines()]
    if not any(line.strip() for line in lines):
        warnings.append(
            ParseWarning(code="no_text_layer", detail="the PDF has no text layer (scanned images?)")
        )
    return Extracted(
        text="\n".join(lines), title=title if title and "报告" in title else None, warnings=warnings
    )


# --- rulings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A horizontal (at y=`at`, from `start` to `end` in x) or vertical ruling."""

    horizontal: bool
    at: float
    start: float
    end: float

    def covers(self, position: float) -> bool:
        return self.start - _SNAP <= position <= self.end + _SNAP

    def crosses(self, other: Segment) -> bool:
        if self.horizontal == other.horizontal:
            return False
        return self.covers(other.at) and other.covers(self.at)


def _from_line(a: Any, b: Any) -> Segment | None:
    if abs(a.y - b.y) < 1:
        return Segment(True, (a.y + b.y) / 2, min(a.x, b.x), max(a.x, b.x))
    if abs(a.x - b.x) < 1:
        return Segment(False, (a.x + b.x) / 2, min(a.y, b.y), max(a.y, b.y))
    return None


def _from_rect(rect: pymupdf.Rect, stroked: bool) -> list[Segment]:
    if rect.height < _THIN and rect.width >= _THIN:
        return [Segment(True, (rect.y0 + rect.y1) / 2, rect.x0, rect.x1)]
    if rect.width < _THIN and rect.height >= _THIN:
        return [Segment(False, (rect.x0 + rect.x1) / 2, rect.y0, rect.y1)]
    if not stroked:
        return []  # shading
    return [
        Segment(True, rect.y0, rect.x0, rect.x1),
        Segment(True, rect.y1, rect.x0, rect.x1),
        Segment(False, rect.x0, rect.y0, rect.y1),
        Segment(False, rect.x1, rect.y0, rect.y1),
    ]


def rulings(drawings: Iterable[dict[str, Any]]) -> list[Segment]:
    segments: list[Segment] = []
    for path in drawings:
        stroked = path.get("color") is not None
        for item in path["items"]:
            if item[0] == "l" and stroked:
                segment = _from_line(item[1], item[2])
                segments += [segment] if segment else []
            elif item[0] == "re":
                segments += _from_rect(pymupdf.Rect(item[1]), stroked)
            elif item[0] == "qu":
                segments += _from_rect(item[1].rect, stroked)
    return segments


def merge_collinear(segments: list[Segment]) -> list[Segment]:
    """Join rulings on one line that touch or overlap: word processors draw every cell's edges."""
    merged: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (s.horizontal, round(s.at / _SNAP), s.start)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.horizontal == segment.horizontal
            and abs(last.at - segment.at) <= _SNAP
            and segment.start <= last.end + _SNAP
        ):
            merged[-1] = Segment(last.horizontal, last.at, last.start, max(last.end, segment.end))
        else:
            merged.append(segment)
    return merged


def clusters(segments: list[Segment]) -> list[list[Segment]]:
    """Groups of crossing rulings: each group with ≥2 lines each way is one table."""
    parent = list(range(len(segments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    horizontal = [i for i, s in enumerate(segments) if s.horizontal]
    vertical = [i for i, s in enumerate(segments) if not s.horizontal]
    for i in horizontal:
        for j in vertical:
            if segments[i].crosses(segments[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Segment]] = {}
    for i, segment in enumerate(segments):
        groups.setdefault(root(i), []).append(segment)
    return [
        group
        for group in groups.values()
        if sum(s.horizontal for s in group) >= 2 and sum(not s.horizontal for s in group) >= 2
    ]


def _positions(values: Iterable[float]) -> list[float]:
    """Distinct coordinates: values closer than the cell minimum are one line."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > _MIN_CELL:
            out.append(value)
    return out


# --- tables ----------------------------------------------------------------------------------


@dataclass
class RuledTable:
    xs: list[float]
    ys: list[float]
    owner: dict[tuple[int, int], tuple[int, int]]  # grid position -> its merged cell's top-left position
    chars: dict[tuple[int, int], list[tuple[float, float, str]]] = field(default_factory=dict)

    @property
    def bbox(self) -> pymupdf.Rect:
        return pymupdf.Rect(self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def add(self, x: float, y: float, line_y: float, char: str) -> bool:
        """Put a character in the cell under (x, y); False when outside the table."""
        row, col = bisect.bisect(self.ys, y) - 1, bisect.bisect(self.xs, x) - 1
        if not (0 <= row < len(self.ys) - 1 and 0 <= col < len(self.xs) - 1):
            return False
        self.chars.setdefault(self.owner[(row, col)], []).append((line_y, x, char))
        return True

    def rows(self) -> list[str]:
        out = []
        for row in range(len(self.ys) - 1):
            cells = [self._text((row, col)) for col in range(len(self.xs) - 1)]
            if any(cells):
                out.append("\t".join(cells))
        return out

    def _text(self, position: tuple[int, int]) -> str:
        if self.owner[position] != position:
            return ""
        # Lines top to bottom, characters left to right; a label broken over lines joins up.
        chars = sorted(self.chars.get(position, []))
        return "".join(char for _, _, char in chars).strip().replace("\t", " ")


def _rulings_at(segments: list[Segment], horizontal: bool, positions: list[float]) -> list[list[Segment]]:
    """For each grid line position, the rulings lying on it."""
    return [
        [s for s in segments if s.horizontal == horizontal and abs(s.at - at) <= _SNAP] for at in positions
    ]


def columns(segments: list[Segment]) -> list[float]:
    return _positions(s.at for s in segments if not s.horizontal)


def build_table(segments: list[Segment], xs: list[float]) -> RuledTable:
    """The grid of `segments` with column lines at `xs` (its own, or shared with its continuation)."""
    ys = _positions(s.at for s in segments if s.horizontal)
    verticals, horizontals = _rulings_at(segments, False, xs), _rulings_at(segments, True, ys)
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for row in range(len(ys) - 1):
        middle_y = (ys[row] + ys[row + 1]) / 2
        for col in range(len(xs) - 1):
            middle_x = (xs[col] + xs[col + 1]) / 2
            left_open = col > 0 and not any(s.covers(middle_y) for s in verticals[col])
            top_open = row > 0 and not any(s.covers(middle_x) for s in horizontals[row])
            if left_open:
                owner[(row, col)] = owner[(row, col - 1)]
            elif top_open:
                owner[(row, col)] = owner[(row - 1, col)]
            else:
                owner[(row, col)] = (row, col)
    return RuledTable(xs, ys, owner)


# --- pages -----------------------------------------------------------------------------------


# A character inside a table's area: (x, y, top of its text line, the character).
_Char = tuple[float, float, float, str]


def _extent(group: list[Segment]) -> pymupdf.Rect:
    horizontal = [s for s in group if s.horizontal]
    return pymupdf.Rect(
        min(s.start for s in horizontal),
        min(s.at for s in horizontal),
        max(s.end for s in horizontal),
        max(s.at for s in horizontal),
    )


@dataclass
class PageContent:
    """One page read: its tables' rulings and column lines, text lines, and the characters in tables."""

    groups: list[list[Segment]]
    xs: list[list[float]]
    text_lines: list[tuple[float, float, str]]  # (top, left, text) of lines outside every table
    table_chars: list[_Char]

    def lines(self) -> list[str]:
        """The page's text lines and table rows, top to bottom."""
        tables = [build_table(group, xs) for group, xs in zip(self.groups, self.xs, strict=True)]
        items: list[tuple[float, float, list[str]]] = [
            (top, left, [text]) for top, left, text in self.text_lines
        ]
        for x, y, line_top, char in self.table_chars:
            if not any(table.add(x, y, line_top, char) for table in tables):
                items.append((y, x, [char]))
        items += [(table.bbox.y0, table.bbox.x0, table.rows()) for table in tables]
        return [line for _, _, lines in sorted(items, key=lambda item: (item[0], item[1])) for line in lines]


def _line_text(line: dict[str, Any]) -> str:
    return "".join(c["c"] for span in line["spans"] for c in span["chars"]).strip()


def read_page(page: pymupdf.Page) -> PageContent:
    groups = sorted(clusters(merge_collinear(rulings(page.get_drawings()))), key=lambda g: _extent(g).y0)
    areas = [_extent(group) + pymupdf.Rect(-_SNAP, -_SNAP, _SNAP, _SNAP) for group in groups]
    text_lines: list[tuple[float, float, str]] = []
    table_chars: list[_Char] = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            box = pymupdf.Rect(line["bbox"])
            if not any(area.intersects(box) for area in areas):
                if text := _line_text(line):
                    text_lines.append((box.y0, box.x0, text))
                continue
            for span in line["spans"]:
                for c in span["chars"]:
                    x0, y0, x1, y1 = c["bbox"]
                    table_chars.append(((x0 + x1) / 2, (y0 + y1) / 2, round(box.y0), c["c"]))
    return PageContent(groups, [columns(group) for group in groups], text_lines, table_chars)


def link_continued_tables(pages: list[PageContent]) -> None:
    """A table cut by a page break gets the same column lines in both parts.

    A part shows only the column lines of its own rows (a page of header rows
    lacks the label columns of the rows below), so the last table of a page and
    the first of the next, when their outer edges match, share the union of lines.
    """
    for previous, current in itertools.pairwise(pages):
        if not previous.xs or not current.xs:
            continue
        before, after = previous.xs[-1], current.xs[0]
        if abs(before[0] - after[0]) <= _SNAP and abs(before[-1] - after[-1]) <= _SNAP:
            previous.xs[-1] = current.xs[0] = _positions(before + after)
