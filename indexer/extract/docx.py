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
    """
    cells = []  # the columns each cell covers
    for row in rows:
        start = 0
        for _text, span in row:
            cells.append(set(range(start, start + span)))
            start += span
    # Where edges disagree, the edge most rows share is the real one: try first the
    # columns at which the fewest cells start.
    starts = [sum(1 for covered in cells if min(covered) == column) for column in range(width)]
    drop: set[int] = set()
    for column in sorted(range(width), key=lambda c: (starts[c], c)):
        over = [covered for covered in cells if column in covered]
        if over and all(len(covered - drop) > 1 for covered in over):
            drop.add(column)
    return drop


def expand(row: list[Span], width: int, drop: set[int]) -> list[str]:
    """The row at full width less the dropped columns: a cell's text first, '' over the rest of its span."""
    out: list[str] = []
    start = 0
    for text, span in row:
        kept = sum(1 for c in range(start, start + span) if c not in drop)
        out += [text, *[""] * (kept - 1)] if kept else []
        start += span
    return out + [""] * (width - len(drop) - len(out))


def is_layout_table(table: _Element) -> bool:
    return table.find(".//w:tc//w:tbl", _NS) is not None


def table_lines(table: _Element) -> Iterator[str]:
    if is_layout_table(table):
        for cell in table.iterfind("w:tr/w:tc", _NS):
            yield from block_lines(cell)
        return
    rows = [row_cells(row) for row in table.iterfind("w:tr", _NS)]
    width = max((sum(span for _, span in row) for row in rows), default=0)
    drop = sliver_columns(rows, width)
    for row in rows:
        cells = expand(row, width, drop)
        if any(cells):
            yield "\t".join(cells)
