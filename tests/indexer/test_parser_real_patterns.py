"""The mechanisms behind issue 14's patterns, each on a small table: exact, or null with a warning."""

from __future__ import annotations

import random

import pytest

from govreports.model import Report
from indexer.documents import parse_bytes
from indexer.extract.pdf import Segment, merge_collinear
from indexer.parser.cells import classify, read_count
from indexer.parser.placement import place_in_windows
from indexer.parser.rules import ROW_SUM
from indexer.synthetic import random_report, render

REPORT = random_report(random.Random(5), template="2021")
TEXT = render(REPORT, "tab_rows").decode()


def parse(text: str) -> Report:
    return parse_bytes(text.encode(), format="txt")


def codes(report: Report) -> list[str]:
    return [warning.code for warning in report.warnings]


def rows(report: Report) -> dict[str, dict[str, int | None]]:
    assert report.applications is not None
    return report.applications.model_dump()


def truth_rows() -> dict[str, dict[str, int | None]]:
    assert REPORT.truth.applications is not None
    return REPORT.truth.applications.model_dump()


@pytest.mark.parametrize(
    ("printed", "misprinted", "key"),
    [
        ("1.属于国家秘密", "1.属于国秘密", "withheld_state_secret"),
        ("2.重复申请", "2.重夏申请", "rejected_repeat"),
        ("7.属于行政执法案卷", "7.属于行政执法卷", "withheld_enforcement_files"),
        ("(一)予以公开", "(一)予以公并", "granted"),
        ("二、上年结转政府信息公开申请数量", "二、上年结政府信息公开申请数量", "carried_over"),
        ("3.补正后申请内容仍不明确", "3.补正后申请内容仍不明", "unavailable_unclear"),
    ],
)
def test_a_misprinted_label_is_read_by_its_place_and_wording(printed: str, misprinted: str, key: str) -> None:
    report = parse(TEXT.replace(printed, misprinted, 1))
    assert rows(report)[key] == truth_rows()[key]
    repaired = [w.detail for w in report.warnings if w.code == "label_repaired"]
    assert repaired == [f"applications.{key}: read from the printed label {repaired[0].split('label ')[1]}"]
    assert misprinted.split(")")[-1].split(".")[-1].split("、")[-1] in repaired[0]


def test_a_close_label_never_takes_a_row_printed_properly_elsewhere() -> None:
    # 国家秘密 is printed properly; a stray row reading almost like it must not take its place.
    stray = "\t\t2.属于国家秘\t9\t9\t9\t9\t9\t9\t54\n"
    text = TEXT.replace("\t\t2.其他法律行政法规禁止公开", stray + "\t\t2.其他法律行政法规禁止公开", 1)
    report = parse(text)
    assert rows(report)["withheld_state_secret"] == truth_rows()["withheld_state_secret"]
    assert "label_repaired" not in codes(report)
    assert "unknown_row" in codes(report)


def test_two_misprints_between_the_same_neighbours_are_paired_in_order() -> None:
    text = TEXT.replace("5.属于三类内部事务信息", "5.属于三类内部事信息", 1)
    text = text.replace("6.属于四类过程性信息", "6.属于四类过程信", 1)
    report = parse(text)
    for key in ("withheld_internal_affairs", "withheld_process_info"):
        assert rows(report)[key] == truth_rows()[key]
    assert codes(report).count("label_repaired") == 2


@pytest.mark.parametrize(
    ("row", "wrapped"),
    [
        # The numbers on the first line, the rest of the label (which names the row by itself) after.
        ("\t\t3.补正后申请内容仍不明确", "\t\t3.补正后申请内容{values}\n\t\t仍不明确"),
        # The numbers on the last line, the head (which names the row by itself) before.
        ("一、本年新收政府信息公开申请数量\t\t", "一、本年新收政府\t\t\n信息公开申请数量\t\t{values}"),
        # Label columns interleaved: the group's characters on the row's own lines.
        ("\t(四)无法提供\t1.本机关不掌握相关政府信息", "\t(四\t1.本机关不掌\n\t)\t握相关政府信息{values}"),
    ],
)
def test_a_wrapped_label_is_read_with_its_label_only_lines(row: str, wrapped: str) -> None:
    line = next(line for line in TEXT.splitlines() if line.startswith(row))
    values = line[len(row) :]
    report = parse(TEXT.replace(line, wrapped.format(values=values), 1))
    assert rows(report) == truth_rows()


def test_a_number_cut_at_a_line_end_is_never_read_as_another_number() -> None:
    assert classify("226.") == "value"
    assert classify("1.") == "label"  # an item's numbering
    assert read_count("226.").value is None


def test_a_zero_printed_as_the_ideographic_zero_is_zero() -> None:
    line = next(line for line in TEXT.splitlines() if line.startswith("二、上年结转"))
    report = parse(TEXT.replace(line, line.replace("\t0", "\t〇"), 1))
    assert rows(report)["carried_over"] == truth_rows()["carried_over"]


@pytest.mark.parametrize(
    ("cells", "placed"),
    [
        # One window holds every value and its row sum checks: the row is shifted there.
        ((None, 3, 1, 0, 0, 1, 0, 5), (3, 1, 0, 0, 1, 0, 5)),
        # The total is blank: no window is confirmed; a cell keeps only a value both windows give it.
        ((None, 3, 1, 0, 0, 1, 0, None), (None, None, None, 0, None, None, None)),
        # Only one window holds all six values; its blank total stays null, never a computed 0.
        ((0, 0, 0, 0, 0, 0, None, None), (0, 0, 0, 0, 0, 0, None)),
    ],
)
def test_a_row_off_its_grid_is_placed_only_where_its_row_sum_decides(
    cells: tuple[int | None, ...], placed: tuple[int | None, ...]
) -> None:
    assert place_in_windows(cells, 7, ROW_SUM) == placed


def test_a_shifted_html_row_that_breaks_balance_stays_flagged() -> None:
    report = random_report(random.Random(1), template="2021", break_rule="balance")
    html = render(report, "html").decode()
    # The carried-forward row's label one column too wide: its values one column right.
    shifted = html.replace('<td colspan="3"', '<td colspan="4"', 4)
    parsed = parse_bytes(shifted.encode(), format="html")
    balance = next(check for check in parsed.checks if check.rule == "balance")
    assert balance.passed is not True


def test_rulings_of_two_tables_that_line_up_stay_two_rulings() -> None:
    # Table 三's column edge at 443.5 and table 四's at 442.4 further down: not one ruling.
    upper = [Segment(False, 443.5, 56 + 20 * i, 76 + 20 * i) for i in range(10)]
    lower = [Segment(False, 442.4, 497, 520), Segment(False, 442.4, 520, 534)]
    merged = merge_collinear(upper + lower)
    spans = sorted((segment.start, segment.end) for segment in merged)
    assert spans == [(56, 256), (497, 534)]
