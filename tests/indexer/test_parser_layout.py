"""Every text layout of formats-in-the-wild §6 → the same logical rows (label, cells)."""

from __future__ import annotations

import pytest

from indexer.parser.layout import Row, logical_rows, split_line


def rows_of(text: str) -> list[tuple[str, list[str]]]:
    return [(row.label, row.span()) for row in logical_rows(text.splitlines())]


DATA_ROWS = [("规章", ["0", "0", "0"]), ("行政规范性文件", ["5", "1", "25"])]

LAYOUTS = {
    "tab rows": (
        "第二十条第（一）项\t\t\t\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
        "规章\t0\t0\t0\n行政规范性文件\t5\t1\t25\n"
    ),
    "markdown pipes": (
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n"
        "第二十条第(一)项 | ||||\n| 规章 | 0 | 0 | 0 |\n| 行政规范性文件 | 5 | 1 | 25 |\n"
    ),
    "one cell per line, TAB-led, blank lines between rows": (
        "\t第二十条第（一）项\n\n\t信息内容\n\t本年\n制发件数\n\t本年废止件数\n\t现行有效件数\n\n"
        "\t规章\n\t0\n\t 0\n\t0 \n\n\t行政规范性文件\n\t５\n\t1\n\t25\n"
    ),
    "one cell per line ending with a pipe, || filler lines": (
        "第二十条第（一）项 |\n||\n||\n信息内容 |\n本年制发件数 |\n本年废止件数 |\n现行有效件数 |\n"
        "规章 |\n0 |\n0 |\n0 |\n行政规范性文件 |\n5 |\n1 |\n25 |\n"
    ),
    "one cell per line with | on its own line": (
        "信息内容\n|\n本年制发件数\n|\n本年废止件数\n|\n现行有效件数\n|\n规章\n|\n0\n|\n0\n|\n0\n|\n"
        "行政规范性文件\n|\n5\n|\n1\n|\n25\n"
    ),
    "one cell per line separated by blank lines": (
        "信息内容\n\n本年制发件数\n\n本年废止件数\n\n现行有效件数\n\n规章\n\n0\n\n0\n\n0\n\n行政规范性文件\n\n5\n\n1\n\n25\n"
    ),
    "space-separated PDF rows": (
        "信息内容 本年制发件数 本年废止件数 现行有效件数\n规章 0 0 0\n行政规范性文件 5 1 25\n"
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_gives_the_same_data_rows(layout: str) -> None:
    data = [(label, cells) for label, cells in rows_of(LAYOUTS[layout]) if cells]
    assert [
        (label[-len(name) :], cells) for (label, cells), (name, _) in zip(data, DATA_ROWS, strict=True)
    ] == DATA_ROWS


def test_label_wrapped_across_a_page_break_and_blank_line() -> None:
    """Seed 002: the rowspan label 三、本年度办理结果 and the （二） label both broken by a page break."""
    text = (
        "三、 本\t（一）予以公开\t0\t0\t0\t0\t0\t0\n"
        "\t（二）部分公开（区分处理的，只计这一情形，不\t0\t0\t0\t0\t0\t0\n"
        "\n"
        "年度 办 理 结 果\t计其他情形)\t\t\t\t\t\t\t\t\n"
        "\t(三) 不 予 公 开\t1. 属于国家秘密\t0\t0\t0\t0\t0\t0\t0\n"
    )
    assert rows_of(text) == [
        ("三、本(一)予以公开", ["0"] * 6),
        ("(二)部分公开(区分处理的,只计这一情形,不", ["0"] * 6),
        ("年度办理结果计其他情形)", []),
        ("(三)不予公开1.属于国家秘密", ["0"] * 7),
    ]


def test_pdf_rows_and_page_artifacts() -> None:
    text = (
        "四、结转下年度继续办理 0 0 0 0 0 0 0\n- 3 -\n第 4 页 共 9 页\n"
        "一、本年新收政府信息公开申请数量 1 2 0 0 0 0 3\n"
    )
    assert rows_of(text) == [
        ("四、结转下年度继续办理", ["0"] * 7),
        ("一、本年新收政府信息公开申请数量", ["1", "2", "0", "0", "0", "0", "3"]),
    ]


def test_values_continued_on_the_next_line_stay_in_their_row() -> None:
    text = (
        "一、本年新收政府信息公开申请数量\t12\t3\t0\n\t0\t0\t0\t15\n"
        "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
    )
    assert rows_of(text)[0] == ("一、本年新收政府信息公开申请数量", ["12", "3", "0", "", "0", "0", "0", "15"])


def test_header_repeated_after_a_page_break_is_only_label_rows() -> None:
    header = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况\n"
    text = (
        f"{header}一、本年新收政府信息公开申请数量\t1\t0\t0\t0\t0\t0\t1\n"
        f"{header}二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
    )
    assert [cells for _, cells in rows_of(text)] == [[], ["1", "0", "0", "0", "0", "0", "1"], [], ["0"] * 7]


def test_blank_cells_inside_a_tab_row_are_kept_in_place() -> None:
    (row,) = logical_rows(["规章\t\t3\t7"])
    assert row.cells == ["", "3", "7"]


def test_blank_cell_lines_of_a_cell_per_line_table_are_cells() -> None:
    """A lone TAB is an empty cell there; a truly empty line ends the row."""
    (row,) = logical_rows(["\t规章", "\t", "\t3", "\t7", "", "\t"])
    assert row.cells == ["", "3", "7"]


@pytest.mark.parametrize(
    ("line", "texts", "kind"),
    [
        ("规章\t1 2\t3", ["规章", "1", "2", "3"], "row"),  # a number split by a lost separator
        ("政府集中采购 80 362.24 万元", ["政府集中采购", "80", "362.24万元"], "row"),
        ("--------\t---\t---", [], "skip"),
        ("|---|:---:|", [], "skip"),
        ("\t", [""], "cell"),
        ("\t\t", [], "empty"),
        ("## 二、主动公开政府信息情况", ["二、主动公开政府信息情况"], "cell"),
        ("| 本年新<br />制作数量 | &nbsp; | 0 |", ["本年新制作数量", "", "0"], "row"),
        ("（三）不 予 公 开 1. 属于国家秘密 0", ["(三)不予公开1.属于国家秘密", "0"], "row"),
    ],
)
def test_split_line(line: str, texts: list[str], kind: str) -> None:
    cells, got_kind = split_line(line)
    assert ([cell.text for cell in cells], got_kind) == (texts, kind)


def test_a_table_read_again_gives_fresh_rows() -> None:
    """Lines are read once and remembered: rows built from them must still be the report's own."""
    lines = LAYOUTS["tab rows"].splitlines()
    first = logical_rows(lines)
    for row in first:
        row.parts.append("改")
        row.cells.append("9")
    again = logical_rows(lines)
    assert [(row.label, row.span()) for row in again][-2:] == DATA_ROWS
    assert all(a is not b and a.cells is not b.cells for a, b in zip(first, again, strict=True))


@pytest.mark.parametrize(
    ("cells", "span"),
    [
        (["", "", "3", "", "7", ""], ["3", "", "7"]),
        (["3", "7"], ["3", "7"]),
        (["", ""], []),
        ([], []),
    ],
)
def test_span_runs_from_the_first_to_the_last_value(cells: list[str], span: list[str]) -> None:
    assert Row(parts=["规章"], cells=cells).span() == span
