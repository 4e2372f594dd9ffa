"""A synthetic report's tables as pictures: the portal page that shows them as `<img>`, and attachments.

Many offices paste the three tables into the page as pictures (a screenshot or a scan
of the printed form) and keep the headings and narrative as text. Each table is drawn
by the PDF renderer on its own, rasterised and dirtied as a scan (`render_scan`), and
cropped to the table; the page is the portal page of `render_html` with each table
replaced by its picture. An image attachment is `render_scan.image`: the whole report
as one picture.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import numpy as np
import pymupdf

from indexer.synthetic import render_html, render_pdf, render_scan
from indexer.synthetic.document import Table, blocks
from indexer.synthetic.render_scan import ScanStyle
from indexer.synthetic.report import SyntheticReport

# The data tables `render_html` prints (its page chrome has tables of other attributes).
_DATA_TABLE = re.compile(r'<table border="1".*?</tbody></table>', re.DOTALL)
_BORDER = 12.0  # points of paper kept around a table


def _tables(report: SyntheticReport) -> list[Table]:
    return [block for block in blocks(report) if isinstance(block, Table)]


def table_picture(table: Table, style: ScanStyle, seed: int = 0) -> bytes:
    """One table drawn alone, scanned, and cropped to it (its pages one under the other)."""
    writer = render_pdf._Writer()
    render_pdf._table(writer, table.grid)
    if not style.rulings:
        for drawn in writer.pages:
            drawn.lines.clear()
            drawn.shades.clear()
    rng = random.Random(seed)
    parts = []
    with pymupdf.open(stream=writer.paint("", ""), filetype="pdf") as document:
        last = len(document) - 1
        for number, page in enumerate(document):
            bottom = writer.y if number == last else render_pdf.PAGE.height - render_pdf.MARGIN
            clip = pymupdf.Rect(0, render_pdf.MARGIN - _BORDER, render_pdf.PAGE.width, bottom + _BORDER)
            pixmap = page.get_pixmap(dpi=style.dpi, colorspace="rgb", alpha=False, clip=clip)
            rgb = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)
            parts.append(rgb.copy())
    rgb = render_scan._dirty(np.concatenate(parts, axis=0), style, rng, seal=style.seal)
    return render_scan._encode(rgb, style.jpeg_quality)


def html_with_table_pictures(
    report: SyntheticReport,
    style: ScanStyle,
    seed: int = 0,
    source: Callable[[str], str] = lambda name: f"{name}.png",
) -> tuple[bytes, dict[str, bytes]]:
    """The portal page with each table shown as `<img src=source(table name)>`, and the pictures by src.

    A report of the legacy form (no tables) comes back as its page alone.
    """
    tables = _tables(report)
    page = render_html.html(report).decode("utf-8")
    pictures = {source(table.name): table_picture(table, style, seed + index) for index, table in
                enumerate(tables)}
    sources = iter(pictures)

    def picture(_match: re.Match[str]) -> str:
        return f'<p style="text-align:center"><img src="{next(sources)}" width="100%" /></p>'

    page, replaced = _DATA_TABLE.subn(picture, page)
    if replaced != len(tables):
        raise ValueError(f"the page prints {replaced} tables, the report has {len(tables)}")
    return page.encode("utf-8"), pictures


def image_attachment(report: SyntheticReport, style: ScanStyle, seed: int = 0) -> bytes:
    """The whole report as one picture, as an attachment is posted (JPEG, or PNG without JPEG noise)."""
    return render_scan.image(report, style, seed)
