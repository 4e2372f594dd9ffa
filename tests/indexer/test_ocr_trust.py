"""The trust rule for numbers read by OCR: confirmed, repaired (one value only), or null and named."""

from __future__ import annotations

import random

import numpy as np

from govreports.keys import APPLICANT_COLUMNS
from indexer.documents import parse_bytes
from indexer.extract import Extracted
from indexer.extract.ocr import LOW_CONFIDENCE, UNREAD, is_faint, is_junk
from indexer.ocr_trust import resolve, settle
from indexer.parser import parse_text
from indexer.synthetic import random_report, render


def _cells(**rows: list[int | None]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for row, values in rows.items():
        for column, value in zip((*APPLICANT_COLUMNS, "total"), values, strict=True):
            out[f"applications.{row}.{column}"] = value
    return out


def test_a_low_confidence_number_the_rules_confirm_stands_without_a_warning() -> None:
    cells = _cells(granted=[1, 2, 0, 0, 0, 0, 3])
    settled, warnings = resolve(cells, ["applications.granted.commercial"])
    assert settled == {"applications.granted.commercial": 2}
    assert warnings == []


def test_one_misread_digit_is_repaired_and_named() -> None:
    cells = _cells(granted=[1, 8, 0, 0, 0, 0, 3])  # 8 read for 2; the row's total says 2
    settled, warnings = resolve(cells, ["applications.granted.commercial"])
    assert settled == {"applications.granted.commercial": 2}
    assert [w.code for w in warnings] == ["ocr_repaired"]
    assert warnings[0].detail.startswith("applications.granted.commercial: ")


def test_a_repair_far_from_the_reading_is_refused() -> None:
    cells = _cells(granted=[1, 57, 0, 0, 0, 0, 3])  # the rules say 2: not one digit away from 57
    settled, warnings = resolve(cells, ["applications.granted.commercial"])
    assert settled == {"applications.granted.commercial": None}
    assert [w.code for w in warnings] == ["ocr_low_confidence"]
    assert warnings[0].detail.startswith("applications.granted.commercial: ")


def test_two_unknowns_in_one_rule_are_both_null() -> None:
    cells = _cells(granted=[1, 2, 0, 0, 0, 0, 3])
    doubtful = ["applications.granted.natural_person", "applications.granted.commercial"]
    settled, warnings = resolve(cells, doubtful)
    assert settled == dict.fromkeys(doubtful)
    assert sorted(w.detail.split(":")[0] for w in warnings) == sorted(doubtful)


def test_settle_finds_the_cell_a_marked_number_became() -> None:
    synthetic = random_report(random.Random(5), template="2021")
    text = render(synthetic, "tab_rows").decode("utf-8")
    row = next(line for line in text.splitlines() if "予以公开" in line)
    cells = row.split("\t")
    truth = synthetic.truth.applications
    assert truth is not None
    read_wrong = str((truth.granted.natural_person or 0) + 1000)  # far from the rules' value: no repair
    marked = "\t".join([*cells[:-7], LOW_CONFIDENCE + read_wrong, *cells[-6:]])
    parsed = settle(Extracted(text=text.replace(row, marked), ocr=True), parse_text)
    assert parsed.applications is not None
    assert parsed.applications.granted.natural_person is None
    assert [(w.code, w.detail.split(":")[0]) for w in parsed.warnings if w.code.startswith("ocr")] == [
        ("ocr_low_confidence", "applications.granted.natural_person")
    ]


def test_junk_text_layers() -> None:
    assert is_junk("")
    assert is_junk("\ufffd" * 100 + "政府信息公开" * 4)
    assert is_junk("第 1 页 共 3 页")
    assert not is_junk("本报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限自2020年1月1日起")


def test_a_picture_named_otherwise_is_read_as_a_picture() -> None:
    from indexer.documents import detect_format

    assert detect_format("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 20) == "image"
    assert detect_format("scan.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20) == "image"
    assert detect_format("scan.tif", b"II*\x00" + b"\0" * 20) == "image"


def test_text_reports_are_not_marked_as_read_by_ocr() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    assert parse_bytes(render(synthetic, "pdf"), format="pdf").ocr is False


def _with_cell(text: str, label: str, column: int, cell: str) -> str:
    """The tab_rows text with the `column`th value cell of the row labelled `label` replaced."""
    row = next(line for line in text.splitlines() if label in line)
    cells = row.split("\t")
    cells[len(cells) - 7 + column] = cell
    return text.replace(row, "\t".join(cells))


def test_an_unread_cell_the_rules_decide_is_repaired_and_named() -> None:
    # Ink where nothing could be read: the one value the report's rules leave it is taken.
    synthetic = random_report(random.Random(5), template="2021")
    text = _with_cell(render(synthetic, "tab_rows").decode("utf-8"), "予以公开", 0, UNREAD)
    parsed = settle(Extracted(text=text, ocr=True), parse_text)
    truth = synthetic.truth.applications
    assert parsed.applications is not None and truth is not None
    assert parsed.applications.granted.natural_person == truth.granted.natural_person
    assert [(w.code, w.detail.split(":")[0]) for w in parsed.warnings if w.code.startswith("ocr")] == [
        ("ocr_repaired", "applications.granted.natural_person")
    ]
    assert UNREAD not in parsed.text


def test_unread_cells_no_rule_decides_are_null_and_named() -> None:
    synthetic = random_report(random.Random(5), template="2021")
    text = render(synthetic, "tab_rows").decode("utf-8")
    for label in ("本年新收", "上年结转"):  # two by two: every rule holding one holds another
        for column in (0, 1):
            text = _with_cell(text, label, column, UNREAD)
    parsed = settle(Extracted(text=text, ocr=True), parse_text)
    paths = {f"applications.{row}.{column}" for row in ("received", "carried_over")
             for column in ("natural_person", "commercial")}
    assert parsed.applications is not None
    dump = parsed.applications.model_dump()
    assert {f"applications.{row}.{column}": dump[row][column] for row in ("received", "carried_over")
            for column in ("natural_person", "commercial")} == dict.fromkeys(paths)
    assert {w.detail.split(":")[0] for w in parsed.warnings if w.code == "ocr_low_confidence"} == paths


def test_a_digit_owed_to_a_pale_mark_is_not_confident() -> None:
    # Each column's darkest grey in a strip: a "0" printed dark, and beside it the pale arc of a
    # seal's edge that the recogniser reads as a 7.
    paper = [250.0] * 6
    dark_zero = [90.0, 40.0, 60.0, 40.0, 90.0]
    pale_arc = [200.0, 180.0, 170.0, 190.0]
    assert is_faint("70", np.array(paper + pale_arc + paper + dark_zero + paper, dtype=np.float32))
    assert is_faint("70", np.array(paper + dark_zero + paper, dtype=np.float32))  # a digit from nothing
    assert not is_faint("00", np.array(paper + dark_zero + paper + dark_zero + paper, dtype=np.float32))
