"""Section headings found by their names, in the form's order, and the narrative under them."""

from __future__ import annotations

import pytest

from indexer.parser.sections import find_headings, heading_section, section_text


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("一、总体情况", "overview"),
        (" 总体情况", "overview"),  # seed 000: no number
        ("## 一、总体情况", "overview"),
        ("一、 总体情况", "overview"),
        ("一、工作基本情况", "overview"),
        ("一、概述", "overview"),
        ("一、總體情況", "overview"),
        ("二、主动公开政府信息情况", "active"),
        ("二、行政机关主动公开政府信息情况", "active"),
        ("二、主动公开政府政府情况", "active"),
        ("### 三、收到和处理政府信息公开申请情况", "applications"),
        ("三、收到和处理政府信息公开情况", "applications"),
        ("四、政府信息公开行政复议、行政诉讼情况", "appeals"),
        ("四、因政府信息公开工作被申请行政复议提起行政诉讼情况", "appeals"),
        ("因政府信息公开工作被申请行政复议和提起行政诉讼情况", "appeals"),
        ("五、存在的主要问题及改进情况", "problems"),
        ("五、政府信息公开工作存在的主要问题及改进情况", "problems"),
        ("五、存在问题及改进情况", "problems"),
        ("政府信息公开工作中存在的问题及改进措施", "problems"),
        ("六、其他需要报告的事项", "other"),
        ("六、其它需要报告事项：", "other"),
        ("（二）主动公开政府信息情况", "active"),  # sub-heading numbering, but the official name
        # Not headings: sub-headings inside 一, sentences, table header cells.
        ("（一）主动公开", None),
        ("（一）主动公开情况", None),
        ("#### 一、加强组织领导，层层落实责任", None),
        ("本年度我街道无其他需要报告或说明的事项。", None),
        ("行政复议\t行政诉讼", None),
        ("2020年，我街道按照区委、区政府要求，积极采取措施，认真抓好政府信息公开情况的贯彻落实。", None),
    ],
)
def test_heading_section(line: str, section: str | None) -> None:
    assert heading_section(line) == section


def test_headings_follow_the_form_order_and_ignore_a_stray_early_match() -> None:
    lines = [
        "一、总体情况",
        "存在问题",  # a sub-heading that reads like 五: taking it would swallow 二 to 四
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert find_headings(lines) == {
        "overview": 0,
        "active": 2,
        "applications": 3,
        "appeals": 4,
        "problems": 5,
        "other": 6,
    }


def test_missing_sections_are_simply_absent() -> None:
    lines = [
        "XX镇2020年政府信息公开工作年度报告",
        "一、总体情况",
        "正文",
        "五、存在的主要问题及改进情况",
        "无。",
    ]
    assert find_headings(lines) == {"overview": 1, "problems": 3}


def test_section_text_stops_at_the_next_heading_and_drops_repeated_title() -> None:
    lines = [
        "## 一、总体情况",
        "",
        "### 华龙区人民政府中原路街道办事处2020年政府信息公开工作年度报告",
        "第一段\t文字。",
        "",
        "#### 一、加强组织领导",
        "## 二、主动公开政府信息情况",
        "表格",
    ]
    headings = find_headings(lines)
    title = "华龙区人民政府中原路街道办事处2020年政府信息公开工作年度报告"
    assert section_text(lines, headings, "overview", [title]) == "第一段 文字。\n一、加强组织领导"
    assert section_text(lines, headings, "problems") is None
