"""PDF extraction: ruled tables with merged cells, tables across pages, no text layer, bad files."""

from __future__ import annotations

import random

import pymupdf
import pytest

from govreports.errors import ExtractionError
from indexer.extract import pdf
from indexer.synthetic import SyntheticReport, random_report, render
from indexer.synthetic.document import Table, blocks


def _grid_pdf(*, filled_rules: bool) -> bytes:
    """A 3×3 ruled table whose top-left cell spans two columns and the right column two rows."""
    document = pymupdf.open()
    page = document.new_page()
    xs, ys = [50, 150, 250, 350], [100, 130, 160, 190]

    def rule(x0: float, y0: float, x1: float, y1: float) -> None:
        if filled_rules:  # how Word's PDF export draws borders: thin filled rectangles
            page.draw_rect(pymupdf.Rect(x0 - 0.4, y0 - 0.4, x1 + 0.4, y1 + 0.4), color=None, fill=(0, 0, 0))
        else:
            page.draw_line((x0, y0), (x1, y1))

    for y in (ys[0], ys[3]):
        rule(xs[0], y, xs[3], y)
    rule(xs[0], ys[1], xs[3], ys[1])
    rule(xs[0], ys[2], xs[2], ys[2])  # no rule under the right column's middle: it spans two rows
    for x in (xs[0], xs[2], xs[3]):
        rule(x, ys[0], x, ys[3])
    rule(xs[1], ys[1], xs[1], ys[3])  # no rule in the first row: its first cell spans two columns
    texts = {
        (0, 0): "申请人情况",
        (0, 2): "总计",
        (1, 0): "自然人",
        (1, 1): "12",
        (1, 2): "30",
        (2, 0): "法人",
        (2, 1): "18",
    }
    for (r, c), text in texts.items():
        page.insert_text((xs[c] + 5, ys[r] + 20), text, fontname="china-s", fontsize=10)
    page.insert_text((50, 80), "三、收到和处理政府信息公开申请情况", fontname="china-s", fontsize=12)
    page.insert_text((50, 230), "四、政府信息公开行政复议、行政诉讼情况", fontname="china-s", fontsize=12)
    data: bytes = document.tobytes()
    return data


@pytest.mark.parametrize("filled_rules", [False, True])
def test_ruled_table_with_merged_cells(filled_rules: bool) -> None:
    assert pdf.extract(_grid_pdf(filled_rules=filled_rules)).text.splitlines() == [
        "三、收到和处理政府信息公开申请情况",
        "申请人情况\t\t总计",
        "自然人\t12\t30",
        "法人\t18\t",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]


def _expected_rows(report: SyntheticReport) -> list[list[str]]:
    return [
        [cell.replace("\n", "") for cell in row]
        for block in blocks(report)
        if isinstance(block, Table)
        for row in block.grid.expanded()
    ]


def _crosses_a_page(report: SyntheticReport) -> bool:
    document = pymupdf.open(stream=render(report, "pdf"), filetype="pdf")
    first = next(p.number for p in document if p.search_for("本年新收"))
    last = next(p.number for p in document if p.search_for("结转下年度"))
    return bool(first != last)


def test_table_across_a_page_break_comes_out_in_sequence() -> None:
    report = next(
        r
        for r in (random_report(random.Random(seed), blank_cells=2) for seed in range(100))
        if _crosses_a_page(r)
    )
    rows = [line.split("\t") for line in pdf.extract(render(report, "pdf")).text.splitlines() if "\t" in line]
    # The label of a row-spanning cell cut by the break flows on into the next page's part, as
    # word processors print it; every other cell, and every row's place, is as rendered.
    assert [row[1:] for row in rows] == [row[1:] for row in _expected_rows(report)]


def test_generated_reports_give_the_form_rows() -> None:
    for seed in range(5):
        report = random_report(random.Random(seed), blank_cells=seed)
        extracted = pdf.extract(render(report, "pdf"))
        rows = [line.split("\t") for line in extracted.text.splitlines() if "\t" in line]
        assert [row[1:] for row in rows] == [row[1:] for row in _expected_rows(report)]
        assert extracted.title == report.truth.title
        assert report.narrative.other in extracted.text.splitlines()


def test_pdf_without_a_text_layer_warns() -> None:
    scanned = pymupdf.open()
    source = pymupdf.open(stream=_grid_pdf(filled_rules=False), filetype="pdf")
    page = scanned.new_page()
    page.insert_image(page.rect, pixmap=source[0].get_pixmap(dpi=50))
    extracted = pdf.extract(scanned.tobytes())
    assert extracted.text.strip() == ""
    assert [w.code for w in extracted.warnings] == ["no_text_layer"]


def test_encrypted_pdf_is_refused() -> None:
    document = pymupdf.open(stream=_grid_pdf(filled_rules=False), filetype="pdf")
    locked = document.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(ExtractionError, match="encrypted"):
        pdf.extract(locked)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated in transfer
        lambda data: b"%PDF-1.7\n%%EOF",
    ],
)
def test_damaged_pdf_is_refused(damage: object) -> None:
    data = _grid_pdf(filled_rules=False)
    with pytest.raises(ExtractionError):
        pdf.extract(damage(data))  # type: ignore[operator]


def test_repaired_pdf_warns() -> None:
    data = _grid_pdf(filled_rules=False)
    junk_body = data[:200] + bytes(range(256)) * 40 + b"%%EOF"  # MuPDF rebuilds what it can
    assert {w.code for w in pdf.extract(junk_body).warnings} == {"pdf_repaired", "no_text_layer"}


@pytest.mark.parametrize(
    ("segments", "merged"),
    [
        (
            [pdf.Segment(True, 10, 0, 50), pdf.Segment(True, 10.5, 50, 100)],
            [pdf.Segment(True, 10, 0, 100)],
        ),
        (
            [pdf.Segment(True, 10, 0, 50), pdf.Segment(True, 10, 60, 100)],
            [pdf.Segment(True, 10, 0, 50), pdf.Segment(True, 10, 60, 100)],
        ),
        (
            [pdf.Segment(False, 5, 0, 40), pdf.Segment(False, 5, 20, 80), pdf.Segment(True, 5, 0, 40)],
            [pdf.Segment(False, 5, 0, 80), pdf.Segment(True, 5, 0, 40)],
        ),
    ],
)
def test_merge_collinear(segments: list[pdf.Segment], merged: list[pdf.Segment]) -> None:
    assert pdf.merge_collinear(segments) == merged


def test_clusters_need_two_rulings_each_way() -> None:
    box = [
        pdf.Segment(True, 0, 0, 10),
        pdf.Segment(True, 10, 0, 10),
        pdf.Segment(False, 0, 0, 10),
        pdf.Segment(False, 10, 0, 10),
    ]
    underline = [pdf.Segment(True, 50, 0, 100)]
    assert pdf.clusters(box + underline) == [box]
