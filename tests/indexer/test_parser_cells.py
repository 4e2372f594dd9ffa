"""Cell values (report-model.md's null-vs-0 policy) and text normalisation."""

from __future__ import annotations

import pytest

from indexer.parser.cells import classify, header_unit, read_count, read_money
from indexer.parser.normalize import clean_line, compact, nfkc


@pytest.mark.parametrize(
    ("text", "value", "warning"),
    [
        ("0", 0, None),
        ("12", 12, None),
        ("+163", 163, None),
        ("-2", -2, None),
        ("1,234", 1234, None),
        ("0.00", 0, None),
        ("5件", 5, None),
        ("", None, "missing_cell"),
        ("-", 0, "dash_as_zero"),
        ("--", 0, "dash_as_zero"),
        ("—", 0, "dash_as_zero"),
        ("——", 0, "dash_as_zero"),
        ("/", None, "not_applicable"),
        ("不适用", None, "not_applicable"),
        ("N/A", None, "not_applicable"),
        ("1.5", None, "unreadable_cell"),
        ("12元", None, "unreadable_cell"),
        ("若干", None, "unreadable_cell"),
    ],
)
def test_read_count(text: str, value: int | None, warning: str | None) -> None:
    assert read_count(text) == (value, warning)


@pytest.mark.parametrize(
    ("text", "unit", "default", "value", "warning"),
    [
        ("362.24万元", None, "yuan", 3622400.0, None),
        ("12850元", None, "yuan", 12850.0, None),
        ("12850元", "wan", "yuan", 12850.0, None),  # the cell's own unit wins over the header's
        ("52.5", "wan", "yuan", 525000.0, None),
        ("0", "wan", "yuan", 0.0, None),
        ("1,200", "yuan", "yuan", 1200.0, None),
        ("8000", None, "yuan", 8000.0, "unit_assumed"),
        ("0", None, "yuan", 0.0, None),
        ("3.5", None, "wan", 35000.0, "unit_assumed"),
        ("", "wan", "yuan", None, "missing_cell"),
        ("—", None, "yuan", 0.0, "dash_as_zero"),
        ("/", None, "wan", None, "not_applicable"),
        ("约五万", None, "yuan", None, "unreadable_cell"),
    ],
)
def test_read_money(
    text: str, unit: str | None, default: str, value: float | None, warning: str | None
) -> None:
    got = read_money(text, unit, default)  # type: ignore[arg-type]
    assert got.warning == warning
    assert got.value == (pytest.approx(value) if value is not None else None)


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("采购总金额（单位：万元，保留4位小数）", "wan"),
        ("本年收费金额(单位:万元)", "wan"),
        ("采购总金额(单位:元)", "yuan"),
        ("采购总金额", None),
    ],
)
def test_header_unit(header: str, unit: str | None) -> None:
    assert header_unit(compact(header)) == unit


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "blank"),
        ("0", "value"),
        ("+3", "value"),
        ("362.24万元", "value"),
        ("—", "value"),
        ("/", "value"),
        ("1.属于国家秘密", "label"),
        ("1.", "label"),
        ("2019年", "label"),
        ("规章", "label"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text) == kind


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("（一）予以公开", "(一)予以公开"),
        ("１２３", "123"),
        ("商业 企业", "商业企业"),
        ("本年新\n制作数量", "本年新制作数量"),
        ("　　0 ", "0"),
        ("单位：万元，保留4位小数", "单位:万元,保留4位小数"),
        ("规\u200b章", "规章"),
    ],
)
def test_compact(raw: str, normal: str) -> None:
    assert compact(raw) == normal


def test_nfkc_keeps_chinese_quotes_and_dashes() -> None:
    assert nfkc("“三安全一稳定”——") == "“三安全一稳定”——"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("## 二、主动公开政府信息情况", "二、主动公开政府信息情况"),
        ("规章\t0\t\t0", "规章 0 0"),
        ("\u3000无。 ", "无。"),
    ],
)
def test_clean_line(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean
