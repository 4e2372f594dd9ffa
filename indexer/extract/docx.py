"""Word .docx: paragraphs and tables in document order, merged cells expanded.

The body's `w:p` and `w:tbl` children are walked in order. A cell spanning
columns (`gridSpan`) keeps its text in its first column and empty strings after
it; a vertically merged cell's continuation (`vMerge` without `restart`) is
empty; a sliver column of a ragged grid is dropped. A table whose cells hold
other tables is page layout: its content is read as blocks, so nested tables
come out flattened in order.

A .docx is a zip: its declared member sizes are checked before anything is
inflated, so a zip bomb is refused instead of filling memory.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator

import docx
from lxml.etree import _Element

from govreports.errors import ExtractionError
from indexer.extract import Extracted
from indexer.extract.text import check_size

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W}
# Inflated, a real report's parts total a few MB; these bounds leave a wide margin.
MAX_INFLATED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 5000
_MAX_GRID_SPAN = 100
# Grid positions of a table printed at full width; a report's tables have a few hundred.
_MAX_GRID_CELLS = 100_000


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def check_zip(data: bytes) -> None:
    """Refuse a zip whose members would inflate beyond sane bounds (a zip bomb) or that is no zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ExtractionError(f"not a DOCX file (unreadable zip: {error})") from error
    if len(members) > MAX_MEMBERS:
        raise ExtractionError(f"DOCX holds {len(members)} parts; refusing (limit {MAX_MEMBERS})")
    inflated = sum(member.file_size for member in members)
    if inflated > MAX_INFLATED_BYTES:
        raise ExtractionError(f"DOCX would inflate to {inflated / 2**20:.0f} MB; refusing (a zip bomb?)")
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ExtractionError(
                f"DOCX part {member.filename} is compressed"
                f" {member.file_size // max(member.compress_size, 1)}:1;"
                " refusing (a zip bomb?)"
            )


def extract(data: bytes) -> Extracted:
    check_size(data, "DOCX")
    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        title = document.core_properties.title
    except (
        Exception
    ) as error:  # python-docx raises many kinds (KeyError, ValueError, XML errors) for bad parts
        raise ExtractionError(f"unreadable DOCX: {type(error).__name__}: {error}") from error
    lines = list(block_lines(body))
    return Extracted(
        text="\n".join(lines), title=title if title and "报告" in title else None, explicit_cells=True
    )


# --- text ------------------------------------------------------------------------------


def run_text(element: _Element, *, in_cell: bool) -> str:
    """The text of a paragraph: `w:tab` is a space; a line break ends a line, or joins inside a cell."""
    parts: list[str] = []
    for node in element.iter(_w("t"), _w("tab"), _w("br"), _w("cr")):
        if node.tag == _w("t"):
            parts.append(node.text or "")
        elif node.tag == _w("tab"):
            parts.append(" ")
        elif not in_cell:
            parts.append("\n")
    return "".join(parts)


def block_lines(container: _Element) -> Iterator[str]:
    """Lines of the body (or a layout cell): each paragraph a line, each table row a TAB-joined line."""
    for child in container:
        if child.tag == _w("p"):
            for line in run_text(child, in_cell=False).split("\n"):
                if line.strip():
                    yield line.strip()
        elif child.tag == _w("tbl"):
            yield from table_lines(child)
        elif child.tag in (_w("sdt"), _w("customXml")):
            # Content controls wrap ordinary paragraphs and tables.
            content = child.find("w:sdtContent", _NS)
            yield from block_lines(content if content is not None else child)


# --- tables ----------------------------------------------------------------------------


def _val(element: _Element | None) -> str | None:
    return None if element is None else element.get(_w("val"))


def _int(value: str | None, default: int) -> int:
    try:
        return min(max(int(value), 0), _MAX_GRID_SPAN) if value is not None else default
    except ValueError:
        return default


def _cells(row: _Element) -> Iterator[_Element]:
    for child in row:
        if child.tag == _w("tc"):
            yield child
        elif child.tag in (_w("sdt"), _w("customXml")):
            yield from _cells(child.find("w:sdtContent", _NS) if child.tag == _w("sdt") else child)


def cell_text(cell: _Element) -> str:
    """A cell's paragraphs joined without separator (labels broken over lines join up)."""
    paragraphs = cell.findall(".//w:p", _NS)
    return "".join(run_text(p, in_cell=True).strip() for p in paragraphs).replace("\t", " ")


Span = tuple[str, int]  # a cell's text and how many grid columns it covers


def row_cells(row: _Element) -> list[Span]:
    """One row's cells; a vertically continued cell and skipped grid columns are empty text."""
    properties = row.find("w:trPr", _NS)
    before = _int(_val(properties.find("w:gridBefore", _NS)) if properties is not None else None, 0)
    out: list[Span] = [("", before)] if before else []
    for cell in _cells(row):
        tc_pr = cell.find("w:tcPr", _NS)
        span = max(_int(_val(tc_pr.find("w:gridSpan", _NS)) if tc_pr is not None else None, 1), 1)
        merge = tc_pr.find("w:vMerge", _NS) if tc_pr is not None else None
        continued = merge is not None and _val(merge) != "restart"
        out.append(("" if continued else cell_text(cell), span))
    return out


def sliver_columns(rows: list[list[Span]], width: int) -> set[int]:
    """Grid columns no cell needs: every cell over them also covers a column that is kept.

    Word makes them when cell edges in different rows are a hair apart (common in
    converted .doc files); they hold no cell of the table and are dropped.

    Where edges disagree, the edge most rows share is the real one: columns are tried
    first where the fewest cells start. A column can go unless a cell over it has no
    other kept column, i.e. lies between the kept columns next to it (`before`, `after`).
    No cell ever lies wholly in dropped columns, so every cell starting after `before`
    reaches the column: the test is whether one of them ends before `after`, and the
    earliest end of the cells starting in each gap of dropped columns is kept up to date
    as gaps join. O(width + cells), however the rows and columns are shaped.
    """
    starts = [0] * width  # how many cells start at each column
    earliest_end = [width + 1] * width  # the end (exclusive) of the shortest cell starting there
    for row in rows:
        start = 0
        for _text, span in row:
            starts[start] += 1
            earliest_end[start] = min(earliest_end[start], start + span)
            start += span
    # The kept columns as a linked list; earliest_end[c] of a kept column c then covers the gap
    # of dropped columns before it as well.
    before, after = list(range(-1, width - 1)), list(range(1, width + 1))
    drop: set[int] = set()
    # Every column lies under a cell: the widest row's cells cover them all.
    for column in sorted(range(width), key=starts.__getitem__):  # a stable sort: ties by column
        if earliest_end[column] <= after[column]:
            continue
        drop.add(column)
        left, right = before[column], after[column]
        if left >= 0:
            after[left] = right
        if right < width:
            before[right] = left
            earliest_end[right] = min(earliest_end[right], earliest_end[column])
    return drop


def narrowed(rows: list[list[Span]]) -> list[list[Span]]:
    """The rows over a grid in which each stretch of grid columns with no cell edge inside is at
    most two columns wide; printed, they give the same lines.

    No cell starts inside such a stretch, so its inner columns are the first slivers tried, and
    each goes without changing what the others do: the stretch keeps at most its first and last
    columns either way. The grid is then at most twice as wide as it has cell edges, not a
    hundred times as wide as it has cells (`_MAX_GRID_SPAN`).
    """
    edges_of_rows = [list(itertools.accumulate((span for _, span in row), initial=0)) for row in rows]
    edges = sorted({edge for row_edges in edges_of_rows for edge in row_edges})
    narrow = {edge: position for edge, position in zip(edges, _narrow_positions(edges), strict=True)}
    return [
        [
            (text, narrow[end] - narrow[start])
            for (text, _), (start, end) in zip(row, itertools.pairwise(row_edges), strict=True)
        ]
        for row, row_edges in zip(rows, edges_of_rows, strict=True)
    ]


def _narrow_positions(edges: list[int]) -> Iterator[int]:
    position = 0
    for edge, following in itertools.pairwise(edges):
        yield position
        position += min(following - edge, 2)
    if edges:
        yield position


def expand(row: list[Span], kept_before: list[int], *, pad: bool) -> list[str]:
    """The row less the dropped columns: a cell's text first, '' over the rest of its span; with
    `pad`, '' on to the full width. `kept_before[c]`: how many columns left of column c are kept."""
    out: list[str] = []
    start = 0
    for text, span in row:
        kept = kept_before[start + span] - kept_before[start]
        out += [text, *[""] * (kept - 1)] if kept else []
        start += span
    return out + [""] * (kept_before[-1] - len(out)) if pad else out


def is_layout_table(table: _Element) -> bool:
    return table.find(".//w:tc//w:tbl", _NS) is not None


def table_lines(table: _Element) -> Iterator[str]:
    if is_layout_table(table):
        for cell in table.iterfind("w:tr/w:tc", _NS):
            yield from block_lines(cell)
        return
    rows = narrowed([row_cells(row) for row in table.iterfind("w:tr", _NS)])
    width = max((sum(span for _, span in row) for row in rows), default=0)
    drop = sliver_columns(rows, width)
    kept_before = list(itertools.accumulate((column not in drop for column in range(width)), initial=0))
    # Rows padded to the full width, unless that is a grid no report has: one very wide row over
    # many short ones would make the padding grow with their product.
    pad = len(rows) * kept_before[-1] <= _MAX_GRID_CELLS
    for row in rows:
        cells = expand(row, kept_before, pad=pad)
        if any(cells):
            yield "\t".join(cells)
