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
from collections.abc import Callable, Iterable, Iterator
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
# A report table's part on one page has a few hundred grid cells; this leaves a wide margin.
_MAX_GRID_CELLS = 20_000
# A report page holds a few tables; a page of more is read as text lines, so that placing its
# characters in tables (each tried against every table) stays linear in the page.
_MAX_TABLES_PER_PAGE = 50

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)


def extract(data: bytes, *, ocr: bool = False) -> Extracted:
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
            scanned = read_scans(document, pages) if ocr else 0
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
        text="\n".join(lines),
        title=title if title and "报告" in title else None,
        warnings=warnings,
        explicit_cells=True,  # ruled tables print every grid cell; text outside them has no TABs
        ocr=scanned > 0,
    )


def read_scans(document: pymupdf.Document, pages: list[PageContent]) -> int:
    """Pages that show a picture and whose text layer is missing or junk, read by OCR instead
    (`indexer.extract.ocr`, loaded only for them); how many there were."""
    scanned = 0
    for number, content in enumerate(pages):
        page = document[number]
        if not page.get_images():
            continue
        from indexer.extract import ocr

        if ocr.is_scanned(page, content.lines()):
            lines = ocr.read_pdf_page(page)
            pages[number] = PageContent([], [], [(float(k), 0.0, line) for k, line in enumerate(lines)], [])
            scanned += 1
    return scanned


# --- rulings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A horizontal (at y=`at`, from `start` to `end` in x) or vertical ruling.

    A ruling covers the positions from `start - _SNAP` to `end + _SNAP` along it; a horizontal
    and a vertical ruling cross when each covers the other's `at`.
    """

    horizontal: bool
    at: float
    start: float
    end: float


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
    """Join rulings on one line that touch or overlap: word processors draw every cell's edges.

    Rulings within `_SNAP` of each other across (442.4 and 443.5) lie on one line; along
    it, they are joined in order of their start, so two tables' edges that happen to
    line up across a gap stay two rulings.
    """
    merged: list[Segment] = []
    for line in _lines(sorted(segments, key=lambda s: (s.horizontal, s.at))):
        horizontal, at = line[0].horizontal, line[0].at
        along = sorted(line, key=lambda s: s.start)
        start, end = along[0].start, along[0].end
        for segment in along[1:]:
            if segment.start <= end + _SNAP:
                end = max(end, segment.end)
            else:
                merged.append(Segment(horizontal, at, start, end))
                start, end = segment.start, segment.end
        merged.append(Segment(horizontal, at, start, end))
    return merged


def _lines(ordered: list[Segment]) -> Iterator[list[Segment]]:
    """Runs of rulings, sorted by direction and position, that lie within `_SNAP` of the run's first."""
    line: list[Segment] = []
    for segment in ordered:
        if line and (segment.horizontal != line[0].horizontal or segment.at - line[0].at > _SNAP):
            yield line
            line = []
        line.append(segment)
    if line:
        yield line


def clusters(segments: list[Segment]) -> list[list[Segment]]:
    """Groups of crossing rulings: each group with ≥2 lines each way and a sane grid is one table.

    A group whose grid would exceed `_MAX_GRID_CELLS` is no report table (a page of hatching,
    drawn to cost time): its text is read as lines.
    """
    parent = list(range(len(segments)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    _join_crossings(segments, join)
    groups: dict[int, list[Segment]] = {}
    for i, segment in enumerate(segments):
        groups.setdefault(root(i), []).append(segment)
    return [group for group in groups.values() if _is_table(group)]


def _is_table(group: list[Segment]) -> bool:
    heights = [s.at for s in group if s.horizontal]
    lefts = [s.at for s in group if not s.horizontal]
    if len(heights) < 2 or len(lefts) < 2:
        return False
    return (len(_positions(heights)) - 1) * (len(_positions(lefts)) - 1) <= _MAX_GRID_CELLS


def _join_crossings(segments: list[Segment], join: Callable[[int, int], None]) -> None:
    """Call `join` on crossing rulings until each set of connected rulings is joined up.

    Not pair by pair (a page of short dashes makes that quadratic) but in one sweep left to
    right: each vertical meets the horizontals reaching its x whose heights it covers, a
    contiguous range of them in height order. Neighbours in that order already known to be
    joined form runs, and a vertical steps over a run in one move, so each step either joins
    two runs for good or ends the vertical's range; a horizontal arriving splits at most one
    run. O(n log n) for n rulings, however many pairs cross.
    """
    horizontal = [i for i, s in enumerate(segments) if s.horizontal]
    by_height = sorted(horizontal, key=lambda i: segments[i].at)
    heights = [segments[i].at for i in by_height]
    # By x, and at one x: horizontals start, verticals meet them, horizontals end (reaches are closed).
    events: list[tuple[float, int, int]] = []
    for slot, i in enumerate(by_height):
        start, end = segments[i].start - _SNAP, segments[i].end + _SNAP
        if start <= end:  # a reversed segment reaches no x
            events += [(start, 0, slot), (end, 2, slot)]
    events += [(s.at, 1, j) for j, s in enumerate(segments) if not s.horizontal]
    events.sort()
    present, run_ends = _SlotSet(len(by_height)), _SlotSet(len(by_height))
    for _x, kind, which in events:
        if kind == 0:
            _arrive(present, run_ends, which)
        elif kind == 2:
            _leave(present, run_ends, which)
        else:
            vertical = segments[which]
            first = bisect.bisect_left(heights, vertical.start - _SNAP)
            last = bisect.bisect_right(heights, vertical.end + _SNAP) - 1
            for slot in _run_heads(present, run_ends, first, last):
                join(by_height[slot], which)


def _arrive(present: _SlotSet, run_ends: _SlotSet, slot: int) -> None:
    """A horizontal starts: it and the one below it are not known joined to their next ones."""
    below = present.previous_before(slot)
    present.add(slot)
    run_ends.add(slot)
    if below is not None:
        run_ends.add(below)


def _leave(present: _SlotSet, run_ends: _SlotSet, slot: int) -> None:
    """A horizontal ends: the one below is joined to the one above only if both links were known."""
    below = present.previous_before(slot)
    if below is not None and slot in run_ends:
        run_ends.add(below)
    present.discard(slot)
    run_ends.discard(slot)


def _run_heads(present: _SlotSet, run_ends: _SlotSet, first: int, last: int) -> Iterator[int]:
    """One horizontal from each run present between slots `first` and `last`; the runs become one.

    The last horizontal present is always a run end, so each run found has its end.
    """
    head = present.next_from(first)
    while head is not None and head <= last:
        yield head
        end = run_ends.next_from(head)
        if end is None or end >= last:
            return
        head = present.next_from(end + 1)
        if head is not None and head <= last:
            run_ends.discard(end)  # its run and the next are one from now on: the next head is joined


class _SlotSet:
    """A set of the integers 0..size-1 that finds a member's neighbours in a few word operations.

    A tree of 64-bit words: the bottom level holds the members, each level above marks which
    words of the level below are not empty.
    """

    def __init__(self, size: int) -> None:
        self._levels: list[list[int]] = []
        words = max(size, 1)
        while True:
            words = (words + 63) // 64
            self._levels.append([0] * words)
            if words == 1:
                break

    def __contains__(self, slot: int) -> bool:
        return bool(self._levels[0][slot >> 6] >> (slot & 63) & 1)

    def add(self, slot: int) -> None:
        for words in self._levels:
            index = slot >> 6
            was_empty = words[index] == 0
            words[index] |= 1 << (slot & 63)
            if not was_empty:
                return
            slot = index

    def discard(self, slot: int) -> None:
        for words in self._levels:
            index = slot >> 6
            words[index] &= ~(1 << (slot & 63))
            if words[index]:
                return
            slot = index

    def next_from(self, slot: int) -> int | None:
        """The smallest member ≥ slot."""
        for level, words in enumerate(self._levels):
            index = slot >> 6
            if index >= len(words):
                return None
            word = words[index] >> (slot & 63) << (slot & 63)
            if word:
                return self._lowest_under(level, index << 6 | _lowest_bit(word))
            slot = index + 1
        return None

    def previous_before(self, slot: int) -> int | None:
        """The largest member < slot."""
        for level, words in enumerate(self._levels):
            if slot <= 0:
                return None
            slot -= 1
            index = slot >> 6
            word = words[index] & ((2 << (slot & 63)) - 1)
            if word:
                return self._highest_under(level, index << 6 | (word.bit_length() - 1))
            slot = index
        return None

    def _lowest_under(self, level: int, position: int) -> int:
        for words in reversed(self._levels[:level]):
            position = position << 6 | _lowest_bit(words[position])
        return position

    def _highest_under(self, level: int, position: int) -> int:
        for words in reversed(self._levels[:level]):
            position = position << 6 | (words[position].bit_length() - 1)
        return position


def _lowest_bit(word: int) -> int:
    return (word & -word).bit_length() - 1


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
    """For each grid line position (ascending), the rulings lying on it: each ruling looks only
    at the positions near it, not at every position."""
    lines: list[list[Segment]] = [[] for _ in positions]
    for s in segments:
        if s.horizontal != horizontal:
            continue
        nearest = bisect.bisect_left(positions, s.at - 2 * _SNAP)
        for k in range(nearest, bisect.bisect_right(positions, s.at + 2 * _SNAP)):
            if abs(s.at - positions[k]) <= _SNAP:
                lines[k].append(s)
    return lines


def _ruled(rulings: list[Segment], points: list[float]) -> list[bool]:
    """For each point along a grid line, whether one of the line's rulings covers it.

    The rulings' reaches merged into disjoint spans, each point finds its span by bisection.
    """
    starts: list[float] = []
    ends: list[float] = []
    for start, end in sorted((s.start - _SNAP, s.end + _SNAP) for s in rulings):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    spans = [bisect.bisect_right(starts, point) - 1 for point in points]
    return [span >= 0 and point <= ends[span] for span, point in zip(spans, points, strict=True)]


def columns(segments: list[Segment]) -> list[float]:
    return _positions(s.at for s in segments if not s.horizontal)


def build_table(segments: list[Segment], xs: list[float]) -> RuledTable:
    """The grid of `segments` with column lines at `xs` (its own, or shared with its continuation)."""
    ys = _positions(s.at for s in segments if s.horizontal)
    middle_ys = [(ys[row] + ys[row + 1]) / 2 for row in range(len(ys) - 1)]
    middle_xs = [(xs[col] + xs[col + 1]) / 2 for col in range(len(xs) - 1)]
    # ruled_left[col][row]: the line left of the cell is drawn at its middle; ruled_top likewise
    ruled_left = [_ruled(line, middle_ys) for line in _rulings_at(segments, False, xs)]
    ruled_top = [_ruled(line, middle_xs) for line in _rulings_at(segments, True, ys)]
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for row in range(len(ys) - 1):
        for col in range(len(xs) - 1):
            left_open = col > 0 and not ruled_left[col][row]
            top_open = row > 0 and not ruled_top[row][col]
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
    if len(groups) > _MAX_TABLES_PER_PAGE:
        groups = []  # a page tiled with little grids is decoration: each character would meet every one
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
