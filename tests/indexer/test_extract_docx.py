"""DOCX extraction: document order, merged cells (gridSpan/vMerge), nested and ragged tables."""

from __future__ import annotations

import io
import random
import zipfile

import docx
import pytest
from docx.oxml import parse_xml

from govreports.errors import ExtractionError
from indexer.extract import docx as docx_extractor
from indexer.synthetic import random_report, render
from indexer.synthetic.document import Heading, Table, blocks

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _bytes(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_paragraphs_and_merged_cells_in_document_order() -> None:
    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"  # vMerge down three rows
    table.cell(0, 1).merge(table.cell(0, 2)).text = "（一）予以公开"  # gridSpan across two columns
    table.cell(0, 3).text = "5"
    table.cell(1, 1).merge(table.cell(2, 1)).text = "（三）不予公开"
    table.cell(1, 2).text = "1.属于国家秘密"
    table.cell(1, 3).text = "0"
    table.cell(2, 2).text = "2.其他法律行政法规\n禁止公开"  # a line break inside a label joins up
    table.cell(2, 3).text = "1"
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    assert docx_extractor.extract(_bytes(document)).text.splitlines() == [
        "三、收到和处理政府信息公开申请情况",
        "三、本年度办理结果\t（一）予以公开\t\t5",
        "\t（三）不予公开\t1.属于国家秘密\t0",
        "\t\t2.其他法律行政法规禁止公开\t1",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]


def test_layout_table_with_nested_table_is_flattened() -> None:
    document = docx.Document()
    frame = document.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = "二、主动公开政府信息情况"
    inner = cell.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "规章", (0, 1): "3", (1, 0): "规范性文件", (1, 1): "4"}.items():
        inner.cell(r, c).text = text
    cell.add_paragraph("三、收到和处理政府信息公开申请情况")
    assert docx_extractor.extract(_bytes(document)).text.splitlines() == [
        "二、主动公开政府信息情况",
        "规章\t3",
        "规范性文件\t4",
        "三、收到和处理政府信息公开申请情况",
    ]


def _row(*cells: tuple[str, int]) -> str:
    tcs = "".join(
        f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>'
        for text, span in cells
    )
    return f"<w:tr>{tcs}</w:tr>"


def test_sliver_columns_of_a_ragged_grid_are_dropped() -> None:
    # As LibreOffice writes the appeals header after a .doc round trip: 行政诉讼 starts one
    # grid column after 总计 does, leaving a sliver column no cell needs.
    table = parse_xml(
        f"<w:tbl {W}>"
        + _row(("行政复议", 5), ("行政诉讼", 3))
        + _row(("维持", 1), ("纠正", 1), ("其他", 1), ("尚未", 1), ("总计", 2), ("直诉", 1), ("后诉", 1))
        + _row(("1", 1), ("0", 1), ("0", 1), ("1", 1), ("2", 2), ("0", 1), ("0", 1))
        + "</w:tbl>"
    )
    assert list(docx_extractor.table_lines(table)) == [
        "行政复议\t\t\t\t\t行政诉讼\t",
        "维持\t纠正\t其他\t尚未\t总计\t直诉\t后诉",
        "1\t0\t0\t1\t2\t0\t0",
    ]


def test_generated_report_gives_the_form_rows() -> None:
    report = random_report(random.Random(5), template="2021", blank_cells=3)
    lines = docx_extractor.extract(render(report, "docx")).text.splitlines()
    expected = [
        "\t".join(cell.replace("\n", "") for cell in row)
        for block in blocks(report)
        if isinstance(block, Table)
        for row in block.grid.expanded()
    ]
    assert [line for line in lines if "\t" in line] == expected
    headings = [b.text for b in blocks(report) if isinstance(b, Heading) and b.level == 1]
    # Tables sit between their headings: the first table row comes right after 二's heading.
    assert lines[lines.index(headings[1]) + 1] == expected[0]
    assert lines.index(headings[2]) < lines.index(expected[-1]) < lines.index(headings[4])


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 64, b"PK\x05\x06" + b"\x00" * 18],
)
def test_broken_packages_are_refused(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        docx_extractor.extract(data)


def test_a_zip_without_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ExtractionError, match="unreadable DOCX"):
        docx_extractor.extract(out.getvalue())
