"""Whole reports in each layout → the three tables, the template and the warnings.

The builders below print one report's tables the ways extraction hands them over
(formats-in-the-wild §6); every layout must read back to the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from govreports.keys import APPLICATION_COLUMNS, OTHER_SUB_ROWS
from indexer.extract import Extracted
from indexer.parser import ParsedReport, parse_text

Row = tuple[list[str], list[str]]  # label cells, value cells

NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICATION_HEADER: list[Row] = [
    ([NOTE, "申请人情况"], []),
    (["", "自然人", "法人或其他组织", "总计"], []),
    (["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], []),
]
ZERO = [0] * 7
# A consistent year: every column balances, every row adds up.
NUMBERS: dict[str, list[int]] = {
    "received": [10, 2, 0, 0, 1, 0, 13],
    "carried_over": [1, 0, 0, 0, 0, 0, 1],
    "granted": [6, 1, 0, 0, 0, 0, 7],
    "partially_granted": [1, 0, 0, 0, 0, 0, 1],
    "unavailable_not_held": [1, 0, 0, 0, 1, 0, 2],
    "other": [1, 1, 0, 0, 0, 0, 2],
    "other_no_correction": [1, 0, 0, 0, 0, 0, 1],
    "other_misc": [0, 1, 0, 0, 0, 0, 1],
    "handled_total": [9, 2, 0, 0, 1, 0, 12],
    "carried_forward": [2, 0, 0, 0, 0, 0, 2],
}
LABELS: list[tuple[list[str], str]] = [
    (["一、本年新收政府信息公开申请数量"], "received"),
    (["二、上年结转政府信息公开申请数量"], "carried_over"),
    (["三、本年度办理结果", "（一）予以公开"], "granted"),
    (["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"], "partially_granted"),
    (["", "（三）不予公开", "1.属于国家秘密"], "withheld_state_secret"),
    (["", "", "2.其他法律行政法规禁止公开"], "withheld_prohibited_by_law"),
    (["", "", "3.危及“三安全一稳定”"], "withheld_three_safety"),
    (["", "", "4.保护第三方合法权益"], "withheld_third_party"),
    (["", "", "5.属于三类内部事务信息"], "withheld_internal_affairs"),
    (["", "", "6.属于四类过程性信息"], "withheld_process_info"),
    (["", "", "7.属于行政执法案卷"], "withheld_enforcement_files"),
    (["", "", "8.属于行政查询事项"], "withheld_administrative_query"),
    (["", "（四）无法提供", "1.本机关不掌握相关政府信息"], "unavailable_not_held"),
    (["", "", "2.没有现成信息需要另行制作"], "unavailable_needs_creation"),
    (["", "", "3.补正后申请内容仍不明确"], "unavailable_unclear"),
    (["", "（五）不予处理", "1.信访举报投诉类申请"], "rejected_petition"),
    (["", "", "2.重复申请"], "rejected_repeat"),
    (["", "", "3.要求提供公开出版物"], "rejected_publication"),
    (["", "", "4.无正当理由大量反复申请"], "rejected_excessive"),
    (["", "", "5.要求行政机关确认或重新出具已获取信息"], "rejected_confirmation"),
]
OTHER_ONE_ROW: list[tuple[list[str], str]] = [(["", "（六）其他处理"], "other")]
OTHER_THREE_ROWS: list[tuple[list[str], str]] = [
    (
        ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
        "other_no_correction",
    ),
    (
        ["", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
        "other_unpaid_fee",
    ),
    (["", "", "3.其他"], "other_misc"),
]
CLOSING: list[tuple[list[str], str]] = [
    (["", "（七）总计"], "handled_total"),
    (["四、结转下年度继续办理"], "carried_forward"),
]


def application_rows(template: str = "2019", numbers: dict[str, list[int]] = NUMBERS) -> list[Row]:
    other = OTHER_ONE_ROW if template == "2019" else OTHER_THREE_ROWS
    body = [(labels, [str(v) for v in numbers.get(key, ZERO)]) for labels, key in [*LABELS, *other, *CLOSING]]
    return [*APPLICATION_HEADER, *body]


ACTIVE_2019: list[Row] = [
    (["第二十条第（一）项"], []),
    (["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], []),
    (["规章"], ["0", "0", "0"]),
    (["规范性文件"], ["3", "3", "20"]),
    (["第二十条第（五）项"], []),
    (["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], []),
    (["行政许可"], ["12", "+2", "340"]),
    (["其他对外管理服务事项"], ["5", "0", "61"]),
    (["第二十条第（六）项"], []),
    (["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], []),
    (["行政处罚"], ["4", "-1", "77"]),
    (["行政强制"], ["0", "0", "0"]),
    (["第二十条第（八）项"], []),
    (["信息内容", "上一年项目数量", "本年增/减"], []),
    (["行政事业性收费"], ["0", "0"]),
    (["第二十条第（九）项"], []),
    (["信息内容", "采购项目数量", "采购总金额（单位：万元）"], []),
    (["政府集中采购"], ["7", "52.5"]),
]
ACTIVE_2021: list[Row] = [
    (["第二十条第（一）项"], []),
    (["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], []),
    (["规章"], ["/", "/", "/"]),
    (["行政规范性文件"], ["5", "1", "25"]),
    (["第二十条第（五）项"], []),
    (["信息内容", "本年处理决定数量"], []),
    (["行政许可"], ["1,234"]),
    (["第二十条第（六）项"], []),
    (["信息内容", "本年处理决定数量"], []),
    (["行政处罚"], ["56"]),
    (["行政强制"], ["—"]),
    (["第二十条第（八）项"], []),
    (["信息内容", "本年收费金额（单位：万元）"], []),
    (["行政事业性收费"], ["12.5"]),
]
APPEAL_HEADER: list[Row] = [
    (["行政复议", "", "", "", "", "行政诉讼"], []),
    (
        [
            "结果维持",
            "结果纠正",
            "其他结果",
            "尚未审结",
            "总计",
            "未经复议直接起诉",
            "",
            "",
            "",
            "",
            "复议后起诉",
        ],
        [],
    ),
    ([""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2, []),
]
APPEALS = ["1", "0", "0", "1", "2", "0", "1", "0", "0", "1", "0", "0", "0", "0", "0"]
APPEAL_ROWS: list[Row] = [*APPEAL_HEADER, ([], APPEALS)]


def tab_rows(rows: list[Row]) -> list[str]:
    return ["\t".join(labels + values) for labels, values in rows]


def cell_per_line(rows: list[Row]) -> list[str]:
    lines: list[str] = []
    for labels, values in rows:
        lines += [f"\t{cell}" for cell in labels + values] + [""]
    return lines


def pipes(rows: list[Row]) -> list[str]:
    lines = ["| " + " | ".join(labels + values) + " |" for labels, values in rows]
    return [lines[0], "|---|---|", *lines[1:]]


def pdf_rows(rows: list[Row]) -> list[str]:
    return [" ".join(cell for cell in labels + values if cell) for labels, values in rows]


def blank_line_cells(rows: list[Row]) -> list[str]:
    return [line for labels, values in rows for cell in labels + values if cell for line in (cell, "")]


Layout = Callable[[list[Row]], list[str]]
LAYOUTS: dict[str, Layout] = {
    "tab_rows": tab_rows,
    "cell_per_line": cell_per_line,
    "pipes": pipes,
    "pdf_rows": pdf_rows,
    "blank_line_cells": blank_line_cells,
}


def document(
    layout: Layout = tab_rows,
    template: str = "2019",
    applications: list[Row] | None = None,
    appeals: list[Row] | None = None,
    active: list[Row] | None = None,
) -> str:
    lines = [
        f"均禾街{2020 if template == '2019' else 2022}年政府信息公开工作年度报告",
        "一、总体情况",
        "本街道认真贯彻落实《中华人民共和国政府信息公开条例》。",
        "二、主动公开政府信息情况",
        *layout(active if active is not None else ACTIVE_2019 if template == "2019" else ACTIVE_2021),
        "三、收到和处理政府信息公开申请情况",
        *layout(applications if applications is not None else application_rows(template)),
        "四、政府信息公开行政复议、行政诉讼情况",
        *layout(appeals if appeals is not None else APPEAL_ROWS),
        "五、存在的主要问题及改进情况",
        "公开渠道还不够丰富。",
        "六、其他需要报告的事项",
        "无。",
        "均禾街道办事处",
        "2021年1月20日",
    ]
    return "\n".join(lines)


def parse(text: str) -> ParsedReport:
    return parse_text(Extracted(text=text))


def matrix(report: ParsedReport) -> dict[str, list[int | None]]:
    assert report.applications is not None
    return {key: list(row.values()) for key, row in report.applications.model_dump().items()}


def codes(report: ParsedReport) -> list[str]:
    return [warning.code for warning in report.warnings]


def expected_matrix(template: str) -> dict[str, list[int | None]]:
    printed: dict[str, list[int | None]] = {
        key: list(NUMBERS.get(key, ZERO)) for _, key in [*LABELS, *CLOSING]
    }
    if template == "2019":
        return {**printed, "other": list(NUMBERS["other"]), **{key: [None] * 7 for key in OTHER_SUB_ROWS}}
    sub_rows: dict[str, list[int | None]] = {key: list(NUMBERS.get(key, ZERO)) for key in OTHER_SUB_ROWS}
    return {**printed, **sub_rows, "other": list(NUMBERS["other"])}


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_the_same_report(layout: str, template: str) -> None:
    report = parse(document(LAYOUTS[layout], template))
    assert report.template == template
    got = matrix(report)
    assert {key: got[key] for key in expected_matrix(template)} == expected_matrix(template)
    assert report.appeals is not None
    assert report.appeals.model_dump() == {
        "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
        "litigation_direct": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1},
        "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    assert report.active is not None
    active = report.active.model_dump()
    if template == "2019":
        assert active["licensing"] == {"previous_items": 12, "change": 2, "decisions": 340}
        assert active["penalties"] == {"previous_items": 4, "change": -1, "decisions": 77}
        assert active["procurement"] == {"items": 7, "amount_yuan": 525000.0}
        assert set(codes(report)) == set()
    else:
        assert active["regulations"] == {"issued": None, "repealed": None, "in_force": None}
        assert active["licensing"] == {"decisions": 1234}
        assert active["coercive_measures"] == {"decisions": 0}
        assert active["fees"] == {"amount_yuan": 125000.0}
        assert sorted(set(codes(report))) == ["dash_as_zero", "not_applicable"]


def test_2021_other_printed_as_one_row_is_taken_as_printed() -> None:
    rows = [row for row in application_rows("2019")]  # （六） as one row …
    report = parse(document(template="2021", applications=rows))  # … under 2021 section 二 columns
    got = matrix(report)
    assert report.template == "2021"
    assert got["other"] == NUMBERS["other"]
    assert all(got[key] == [None] * 7 for key in OTHER_SUB_ROWS)
    assert "missing_row" not in codes(report)


def full_width(rows: list[Row]) -> list[Row]:
    """Every row with three label cells, as an extractor that keeps merged cells' places prints it."""
    return [((["", "", "", *labels][-3:] if values else labels), values) for labels, values in rows]


def test_2021_other_is_the_sum_of_its_sub_rows_null_where_one_is_null() -> None:
    rows = application_rows("2021")
    rows = [(labels, ["", *values[1:]] if labels[-1:] == ["3.其他"] else values) for labels, values in rows]
    got = matrix(parse(document(template="2021", applications=full_width(rows))))
    assert got["other_misc"] == [None, 1, 0, 0, 0, 0, 1]
    assert got["other"] == [None, 1, 0, 0, 0, 0, 2]


def test_shuffled_rows_are_read_by_their_labels() -> None:
    header, body = application_rows()[:3], application_rows()[3:]
    shuffled = body[1::2] + body[::2]
    got = matrix(
        parse(document(applications=header + [(labels[-1:], values) for labels, values in shuffled]))
    )
    assert {key: got[key] for key in expected_matrix("2019")} == expected_matrix("2019")


def test_page_break_with_the_header_repeated_inside_the_table() -> None:
    rows = application_rows()
    broken = [*rows[:8], ([], []), (["- 7 -"], []), *APPLICATION_HEADER, *rows[8:]]
    lines = [line if line != "- 7 -" else "- 7 -" for line in tab_rows(broken)]
    text = document().replace("\n".join(tab_rows(rows)), "\n".join(lines))
    report = parse(text)
    got = matrix(report)
    assert {key: got[key] for key in expected_matrix("2019")} == expected_matrix("2019")
    assert "unknown_row" not in codes(report)


def test_dash_slash_and_blank_cells_in_section_two() -> None:
    active = [
        (["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], []),
        (["规章"], ["/", "不适用", "N/A"]),
        (["规范性文件"], ["", "2", "9"]),
        (["行政处罚"], ["--", "—", "——"]),
        (["政府集中采购"], ["3", "8000"]),  # no unit in cell or header: 元 assumed
    ]
    report = parse(document(active=active))
    assert report.active is not None
    got = report.active.model_dump()
    assert got["regulations"] == {"new_made": None, "new_published": None, "total_published": None}
    assert got["normative_documents"] == {"new_made": None, "new_published": 2, "total_published": 9}
    assert got["penalties"] == {"previous_items": 0, "change": 0, "decisions": 0}
    assert got["procurement"] == {"items": 3, "amount_yuan": 8000.0}
    assert codes(report).count("not_applicable") == 3
    assert codes(report).count("dash_as_zero") == 3
    assert "unit_assumed" in codes(report)
    details = [w.detail for w in report.warnings if w.code == "missing_cell"]
    assert "active.normative_documents.new_made: blank" in details
    assert any(w.code == "missing_row" and w.detail.startswith("active.licensing") for w in report.warnings)


def _drop_cell(rows: list[Row], key_label: str, index: int) -> list[Row]:
    return [
        (labels, values[:index] + values[index + 1 :] if key_label in labels[-1] else values)
        for labels, values in rows
    ]


def test_short_row_placed_by_the_consistency_rules() -> None:
    rows = _drop_cell(application_rows(), "本年新收", 3)  # received lost a 0 in extraction
    report = parse(document(applications=rows))
    assert matrix(report)["received"] == NUMBERS["received"]
    assert any(
        w.code == "short_row" and "placed by the consistency rules" in w.detail for w in report.warnings
    )


def test_short_row_left_null_when_the_placement_is_not_certain() -> None:
    # Only 总计 printed: which column the lone number is in, nothing says.
    rows = [*APPLICATION_HEADER, (["一、本年新收政府信息公开申请数量"], ["13"])]
    report = parse(document(applications=rows))
    assert matrix(report)["received"] == [None] * 7
    assert any(w.code == "short_row" and "no certain placement" in w.detail for w in report.warnings)


def test_blank_cell_in_a_regular_table_is_null_not_placed() -> None:
    """Every row on a line of the same shape: the blank is an empty cell, not a lost one."""
    rows = application_rows()
    rows = [
        (labels, ["", *values[1:]] if labels[-1:] == ["一、本年新收政府信息公开申请数量"] else values)
        for labels, values in rows
    ]
    report = parse(document(applications=full_width(rows)))
    assert matrix(report)["received"] == [None, 2, 0, 0, 1, 0, 13]
    assert "applications.received.natural_person: blank" in [w.detail for w in report.warnings]


def test_number_split_over_two_cells_is_rejoined_when_the_rules_make_it_certain() -> None:
    rows = [
        (labels, ["1", "0", *values[1:]] if "本年新收" in labels[-1] else values)
        for labels, values in application_rows()
    ]
    report = parse(document(applications=rows))
    assert matrix(report)["received"] == NUMBERS["received"]
    assert "split_number" in codes(report)


def test_appeals_review_group_left_blank() -> None:
    """Seed 004: 15 TAB cells, the first five empty: the numbers are the litigation groups'."""
    appeals = [*APPEAL_HEADER, ([], [""] * 5 + ["0"] * 10)]
    report = parse(document(appeals=appeals))
    assert report.appeals is not None
    assert report.appeals.review.model_dump() == dict.fromkeys(
        ("upheld", "corrected", "other", "pending", "total")
    )
    assert report.appeals.litigation_direct.total == 0
    assert codes(report).count("missing_cell") == 5


def test_appeals_from_a_pdf_with_a_vertical_header() -> None:
    appeals_text = "行政复议 行政诉讼\n结 结 其 尚\n果 果 他 未\n维 纠 结 审\n持 正 果 结\n" + " ".join(
        APPEALS
    )
    text = document().replace("\n".join(tab_rows(APPEAL_ROWS)), appeals_text)
    report = parse(text)
    assert report.appeals is not None
    assert report.appeals.review.total == 2
    assert report.appeals.litigation_direct.corrected == 1


def test_missing_section_three_heading_found_by_its_table() -> None:
    text = document().replace("三、收到和处理政府信息公开申请情况\n", "")
    got = matrix(parse(text))
    assert got["received"] == NUMBERS["received"]


def test_unknown_row_is_reported() -> None:
    rows = [*application_rows(), (["五、本年度撤回申请数量"], ["1", "0", "0", "0", "0", "0", "1"])]
    report = parse(document(applications=rows))
    assert any(w.code == "unknown_row" and "撤回" in w.detail for w in report.warnings)


def test_narrative_only_report_gives_warnings_not_a_crash() -> None:
    text = "\n".join(
        [
            "XX镇2021年政府信息公开工作年度报告",
            "一、总体情况",
            "2021年，本镇共收到政府信息公开申请3件，全部予以公开。",
            "五、存在的主要问题及改进情况",
            "无。",
        ]
    )
    report = parse(text)
    assert (report.template, report.active, report.applications, report.appeals) == (None, None, None, None)
    assert "template_unknown" in codes(report)
    assert report.sections.overview == "2021年，本镇共收到政府信息公开申请3件，全部予以公开。"
    assert any(w.code == "section_missing" and "六" in w.detail for w in report.warnings)


def test_legacy_report_keeps_identity_and_text_but_no_tables() -> None:
    text = "\n".join(
        [
            "大东坝镇2021年政府信息公开工作年度报告",
            "一、概述",
            "本镇政府信息公开工作有序开展。",
            "二、主动公开政府信息的情况",
            "全年主动公开信息120条。",
            "三、依申请公开政府信息情况",
            "未收到申请。",
        ]
    )
    report = parse(text)
    assert report.template == "legacy"
    assert (report.title, report.year) == ("大东坝镇2021年政府信息公开工作年度报告", 2021)
    assert report.sections.overview == "本镇政府信息公开工作有序开展。"
    assert (report.active, report.applications, report.appeals) == (None, None, None)


def test_consistent_application_numbers_pass_the_rules() -> None:
    from govreports.model import Report

    parsed = parse(document())
    report = Report(
        id="x", content_sha256="y", format="txt", applications=parsed.applications, appeals=parsed.appeals
    )
    assert report.consistent is True


def test_columns_are_the_seven_of_the_form() -> None:
    assert len(APPLICATION_COLUMNS) == 7
