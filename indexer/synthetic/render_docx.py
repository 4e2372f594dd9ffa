"""A synthetic report as a Word document: bold headings, body paragraphs, and real tables
whose merged cells are Word merges (gridSpan across, vMerge down), as offices produce them."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import _Cell

from indexer.synthetic.document import Heading, Paragraph, blocks
from indexer.synthetic.forms import Grid
from indexer.synthetic.report import SyntheticReport

_HEADING_SIZES = {0: Pt(18), 1: Pt(14), 2: Pt(12)}


def _table(document: docx.document.Document, grid: Grid) -> None:
    """Merges written directly as gridSpan/vMerge: python-docx's cell() lookup is quadratic."""
    table = document.add_table(rows=grid.height, cols=grid.width)
    table.style = "Table Grid"
    rows = [list(tr.tc_lst) for tr in table._tbl.tr_lst]
    for cell in grid.cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            tc = rows[r][cell.col]
            if cell.colspan > 1:
                tc.grid_span = cell.colspan
                for covered in rows[r][cell.col + 1 : cell.col + cell.colspan]:
                    tc.getparent().remove(covered)
            if cell.rowspan > 1:
                tc.vMerge = "restart" if r == cell.row else "continue"
        # The cell text setter turns "\n" into a <w:br/> inside the cell's paragraph.
        _Cell(rows[cell.row][cell.col], table).text = cell.text


def render(report: SyntheticReport) -> bytes:
    document = docx.Document()
    for block in blocks(report):
        if isinstance(block, Heading):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            run.bold = True
            run.font.size = _HEADING_SIZES[block.level]
            if block.level == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph(block.text)
            if block.align_right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            _table(document, block.grid)
    # The file's title: the page heading when the document has one apart from its title line.
    document.core_properties.title = report.titles[-1]
    # The same report must give the same bytes (the fixture portals' "unchanged" depends on
    # it): pin the dates python-docx would take from the clock, in the properties and the zip.
    published = report.truth.published_date
    stamp = datetime(published.year, published.month, published.day) if published else datetime(2000, 1, 1)
    document.core_properties.created = stamp
    document.core_properties.modified = stamp
    out = io.BytesIO()
    document.save(out)
    return _with_fixed_timestamps(out.getvalue(), stamp)


def _with_fixed_timestamps(data: bytes, stamp: datetime) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            pinned = zipfile.ZipInfo(member.filename, date_time=stamp.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, source.read(member))
    return out.getvalue()
