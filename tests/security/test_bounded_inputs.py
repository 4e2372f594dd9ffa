"""Inputs built to cost quadratic work are read to their end, with what they hold, in bounded time.

Each input is made here, at the size that took minutes or hours before the fix (the numbers in
docs/security.md, "Bounded work per input"). Each test has its own pytest timeout, so the old
code fails instead of hanging, and asserts the CPU seconds spent, with a wide margin for a
shared machine.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import docx
import pymupdf
import pytest
from scrapy.http import HtmlResponse, Request

from crawler.sites import Site
from crawler.spider import ReportSpider
from govreports.model import Report
from indexer.documents import parse_bytes

CPU_SECONDS = 4.0  # each input is read in well under 2 s of CPU here; the old code took minutes
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


class Clock:
    seconds = 0.0


@contextmanager
def cpu_time() -> Iterator[Clock]:
    """CPU seconds of this process spent in the block (the machine's other load does not count)."""
    clock = Clock()
    start = time.process_time()
    yield clock
    clock.seconds = time.process_time() - start


def parse_bounded(data: bytes, format: str) -> Report:
    with cpu_time() as clock:
        report = parse_bytes(data, format=format)  # type: ignore[arg-type]
    assert clock.seconds < CPU_SECONDS, f"{clock.seconds:.1f} s of CPU"
    return report


# --- 1. a JCMS listing full of records that never close -------------------------------------


COLUMN = "http://127.0.0.1:8/col/col1229/index.html"


def _record(number: int) -> str:
    return (
        f'<record><![CDATA[<li><a href="/art/2023/1/30/art_{number}.html">'
        f"某某局2022年政府信息公开工作年度报告</a><span>2023-01-30</span></li>]]></record>"
    )


def unclosed_records_listing(size: int) -> bytes:
    """A column page whose datastore holds a record, then `size` bytes of records opened and never
    closed; a report link in the page after it."""
    head = (
        '<html><body><script type="text/xml"><datastore><nextgroup><![CDATA['
        '<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&columnid=1229&unitid=9"></a>]]>'
        f"</nextgroup><recordset>{_record(1)}"
    )
    tail = (
        "</recordset></datastore></script><script>totalRecord = 40;</script>"
        '<ul><li><a href="/art/2023/2/1/art_2.html">某某局2022年政府信息公开工作年度报告</a></li></ul>'
        "</body></html>"
    )
    opened = "<record><![CDATA["
    return (head + opened * (size // len(opened)) + tail).encode()


@pytest.mark.timeout(15)
def test_a_listing_of_unclosed_records_is_crawled_in_bounded_time() -> None:
    spider = ReportSpider([Site(name="hostile", start_urls=[COLUMN])])
    request = Request(COLUMN, meta={"site": "hostile", "hops": 0})
    page = HtmlResponse(COLUMN, body=unclosed_records_listing(4 * 2**20), encoding="utf-8", request=request)

    with cpu_time() as clock:  # what the reactor runs for the page, every site waiting meanwhile
        followed = [(item.method, item.url) for item in spider.parse_listing(page)]

    assert clock.seconds < CPU_SECONDS
    assert followed == [
        ("GET", "http://127.0.0.1:8/art/2023/2/1/art_2.html"),
        ("GET", "http://127.0.0.1:8/art/2023/1/30/art_1.html"),
        ("POST", "http://127.0.0.1:8/module/web/jpage/dataproxy.jsp?startrecord=2&endrecord=40&perpage=15"),
    ]


# --- 2. PDF rulings ------------------------------------------------------------------------


def short_dashes_pdf(pages: int, dashes: int) -> bytes:
    """Pages of tiny horizontal and vertical dashes, none crossing another, and a line of text."""
    document = pymupdf.open()
    for number in range(pages):
        page = document.new_page()
        page.insert_text((72, 40), f"第{number + 1}页的虚线不是表格", fontname="china-s")
        shape = page.new_shape()
        for k in range(dashes):
            x, y = 20 + (k % 120) * 4.5, 60 + (k // 120) * 4.5
            end = (x + 1.5, y) if k % 2 else (x, y + 1.5)
            shape.draw_line((x, y), end)
        shape.finish(color=(0, 0, 0), width=0.3)
        shape.commit()
    data: bytes = document.tobytes(deflate=True, garbage=3)
    return data


def hatched_pdf(lines: int) -> bytes:
    """One large page ruled by `lines` horizontals crossing `lines` verticals: one grid of
    millions of cells, no report table."""
    size = 14_000.0
    document = pymupdf.open()
    page = document.new_page(width=size, height=size)
    page.insert_text((20, 8), "网格之上的文字", fontname="china-s")
    shape = page.new_shape()
    step = (size - 40) / lines
    for k in range(lines):
        at = 20 + k * step
        shape.draw_line((20, at), (size - 20, at))
        shape.draw_line((at, 20), (at, size - 20))
    shape.finish(color=(0, 0, 0), width=0.3)
    shape.commit()
    data: bytes = document.tobytes(deflate=True, garbage=3)
    return data


@pytest.mark.timeout(20)
def test_a_pdf_of_short_dashes_is_read_in_bounded_time() -> None:
    data = short_dashes_pdf(pages=3, dashes=10_000)

    report = parse_bounded(data, "pdf")

    assert all(f"第{number}页的虚线不是表格" in report.text for number in (1, 2, 3))


@pytest.mark.timeout(20)
def test_a_hatched_page_is_no_table_and_is_read_in_bounded_time() -> None:
    report = parse_bounded(hatched_pdf(lines=2000), "pdf")

    assert "网格之上的文字" in report.text


# --- 3. DOCX grids -----------------------------------------------------------------------


def docx_with_body(body: str) -> bytes:
    """A real .docx (python-docx's template) whose document.xml holds `body`."""
    template = io.BytesIO()
    docx.Document().save(template)
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            part = source.read(member)
            if member.filename == "word/document.xml":
                part = f"{document}{body}</w:body></w:document>".encode()
            target.writestr(member.filename, part)
    return out.getvalue()


def _paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _cell(text: str, span: int = 1) -> str:
    properties = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    return f"<w:tc>{properties}{_paragraph(text)}</w:tc>"


def wide_cells_docx(per_row: int, rows: int) -> bytes:
    """Rows of cells each spanning 100 grid columns: a grid thousands of columns wide."""
    numbers = random.Random(0)  # random cell text: the zip-bomb check refuses a part that packs too well
    trs = ("".join(_cell(str(numbers.randrange(10**6)), 100) for _ in range(per_row)) for _ in range(rows))
    table = "".join(f"<w:tr>{tr}</w:tr>" for tr in trs)
    return docx_with_body(f"{_paragraph('表格之前')}<w:tbl>{table}</w:tbl>{_paragraph('表格之后')}")


def wide_row_over_short_rows_docx(cells: int) -> bytes:
    """One row of `cells` cells over `cells` rows of one cell: padded, a grid of cells² positions."""
    numbers = random.Random(1)
    wide = "".join(_cell(str(numbers.randrange(10**6))) for _ in range(cells))
    short = "".join(f"<w:tr>{_cell(str(numbers.randrange(10**6)))}</w:tr>" for _ in range(cells))
    table = f"<w:tbl><w:tr>{wide}</w:tr>{short}</w:tbl>"
    return docx_with_body(f"{_paragraph('表格之前')}{table}{_paragraph('表格之后')}")


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "make",
    [lambda: wide_cells_docx(per_row=50, rows=300), lambda: wide_row_over_short_rows_docx(cells=10_000)],
    ids=["wide-cells", "wide-row-over-short-rows"],
)
def test_a_docx_grid_is_read_in_bounded_time(make: Callable[[], bytes]) -> None:
    data = make()
    assert len(data) < 200 * 1024

    report = parse_bounded(data, "docx")

    assert "表格之前" in report.text and "表格之后" in report.text


# --- 4. HTML nesting ---------------------------------------------------------------------


def nested_html(depth: int, text_bytes: int) -> bytes:
    """A report nested `depth` deep (as deep as the parser goes), every other level a share bar
    holding the report, around `text_bytes` of spaced-out text."""
    words = "本机关 总体 情况 良好 "
    text = words * (text_bytes // len(words.encode()))
    opening = "".join('<div class="share">' if level % 2 else "<section>" for level in range(depth))
    closing = "".join("</div>" if level % 2 else "</section>" for level in reversed(range(depth)))
    body = f"{opening}<p>一、总体情况</p><p>{text}</p><p>全文完</p>{closing}"
    return f"<html><body>{body}</body></html>".encode()


def classed_html(elements: int) -> bytes:
    """A report of many elements that each have a class and an id."""
    rows = '<p class="row" id="r">本年新收</p>' * elements
    return f"<html><body><div><p>一、总体情况</p>{rows}<p>全文完</p></div></body></html>".encode()


def layout_cells_html(cells: int) -> bytes:
    """A table of many cells that each hold a div (cells that could lay out a page)."""
    row = "<td><div>0</div></td>" * cells + "<td><div>本年新收</div></td>"
    return f"<html><body><p>一、总体情况</p><table><tr>{row}</tr></table><p>全文完</p></body></html>".encode()


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "make",
    [
        lambda: nested_html(depth=250, text_bytes=2_000_000),
        lambda: classed_html(elements=60_000),
        lambda: layout_cells_html(cells=100_000),
    ],
    ids=["nested", "classed", "layout-cells"],
)
def test_an_html_page_is_read_in_bounded_time(make: Callable[[], bytes]) -> None:
    data = make()
    assert len(data) < 2_500_000

    report = parse_bounded(data, "html")

    assert "全文完" in report.text


@pytest.mark.timeout(20)
def test_a_pdf_page_tiled_with_little_tables_is_read_in_bounded_time() -> None:
    # 3,000 ruled 6-point boxes and a page of text: each character used to meet every table.
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    shape = page.new_shape()
    for index in range(3000):
        x, y = 20 + (index % 60) * 9, 20 + (index // 60) * 15
        shape.draw_rect(pymupdf.Rect(x, y, x + 6, y + 6))
    shape.finish(color=(0, 0, 0), width=0.5)
    shape.commit()
    for row in range(100):
        page.insert_text((10, 20 + row * 8), "政府信息公开工作年度报告" * 8, fontname="china-s", fontsize=5)
    data = document.tobytes()
    started = time.process_time()
    report = parse_bytes(data, format="pdf")
    assert time.process_time() - started < 4
    assert "政府信息公开工作年度报告" in report.text
