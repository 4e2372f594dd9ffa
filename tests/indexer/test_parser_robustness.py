"""The parser never crashes or hangs, whatever text it is given, and never invents a type."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.extract import Extracted
from indexer.parser import parse_text

# Pieces real reports are made of, so random text reaches the table readers.
PIECES = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
    "第二十条第（一）项",
    "信息内容",
    "本年新制作数量",
    "本年制发件数",
    "规章",
    "行政许可",
    "政府集中采购",
    "一、本年新收政府信息公开申请数量",
    "（一）予以公开",
    "3.其他",
    "（六）其他处理",
    "（七）总计",
    "其他",
    "四、结转下年度继续办理",
    "行政复议",
    "结果维持",
    "总计",
    "0",
    "12",
    "+3",
    "-",
    "—",
    "/",
    "362.24万元",
    "1 2",
    "2020年",
    "2020年1月22日",
    "均禾街",
    "XX街道2020年政府信息公开工作年度报告",
    "\t",
    "\n",
    "\n\n",
    " ",
    "|",
    "||",
    "---",
    "#",
    "- 3 -",
]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=300).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, title=st.none() | st.text(max_size=30))
def test_any_text_parses(text: str, title: str | None) -> None:
    report = parse_text(Extracted(text=text, title=title))
    if report.applications is not None:
        for row in report.applications.model_dump().values():
            assert all(value is None or isinstance(value, int) for value in row.values())
    assert report.template in (None, "2019", "2021", "legacy")


@pytest.mark.timeout(120)
def test_large_and_pathological_inputs_finish() -> None:
    """Bounded work on long rows of numbers and long runs of labels (no combinatorial blow-up)."""
    cases = [
        "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 " + " ".join(["1"] * 20000),
        "四、政府信息公开行政复议、行政诉讼情况\n行政复议\n" + "\t".join(["1"] * 40),
        "本年新收\n" * 20000,
        "\t" * 50000 + "0",
        "政府信息公开" * 100000,
    ]
    for text in cases:
        parse_text(Extracted(text=text))
