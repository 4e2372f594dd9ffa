"""HTML extraction: encodings, chrome removal, rowspan/colspan expansion, title and date hints."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from govreports.errors import ExtractionError
from indexer.extract import html
from indexer.synthetic import random_report, render
from indexer.synthetic.document import Table, blocks
from indexer.synthetic.report import HTML_PORTALS

FILES = Path(__file__).parents[1] / "files" / "html"
CHROME = (
    "首页",
    "当前位置",
    "分享到",
    "相关链接",
    "相关文章",
    "ICP",
    "网站标识码",
    "打印",
    "搜索",
    "document.write",
    "doZoom",
)


@pytest.mark.parametrize(
    ("name", "title", "published", "must_have"),
    [
        (
            "trs_gb2312.html",
            "静安寺街道办事处2019年政府信息公开工作年度报告",
            date(2020, 1, 31),
            ["信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量", "规范性文件\t2\t2\t"],
        ),
        (
            "jcms_undeclared_gbk.html",
            "两城镇2020年政府信息公开工作年度报告",
            date(2021, 1, 20),
            ["1\t0\t0\t1\t2\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"],
        ),
        (
            "declared_utf8_saved_gbk.html",
            "两城镇2020年政府信息公开工作年度报告",
            date(2021, 1, 20),
            ["2020年，两城镇认真贯彻落实政务公开工作要求。"],
        ),
        (
            "layout_table_utf8.html",
            "信访局2021年度政府信息公开工作报告",
            date(2022, 1, 25),
            ["一、本年新收政府信息公开申请数量\t\t\t2\t0\t0\t0\t0\t0\t2", "六、其他需要报告的事项", "无。"],
        ),
    ],
)
def test_portal_pages(name: str, title: str, published: date, must_have: list[str]) -> None:
    extracted = html.extract((FILES / name).read_bytes())
    lines = extracted.text.splitlines()
    assert extracted.title == title
    assert extracted.published_date == published
    for line in must_have:
        assert line in lines
    for chrome in CHROME:
        assert chrome not in extracted.text, f"chrome {chrome!r} left in the text"
    assert "2018年政府信息公开工作年度报告" not in extracted.text  # the related-links list


def test_rowspan_and_colspan_expand_to_full_width() -> None:
    lines = html.extract((FILES / "trs_gb2312.html").read_bytes()).text.splitlines()
    header = lines.index(
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t\t申请人情况\t\t\t\t\t\t"
    )
    assert lines[header + 1] == "\t\t\t自然人\t法人或其他组织\t\t\t\t\t总计"
    assert lines[header + 2] == "\t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t"
    # 三、本年度办理结果 spans three rows: its text once, empty cells below; &nbsp; is an empty cell.
    assert lines[header + 4] == "三、本年度办理结果\t（一）予以公开\t\t300\t10\t0\t0\t2\t0\t312"
    assert lines[header + 5] == "\t（三）不予公开\t1.属于国家秘密\t1\t\t0\t0\t0\t0\t1"
    assert lines[header + 6] == "\t\t2.其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0"


@pytest.mark.parametrize(
    ("markup", "rows"),
    [
        ("<tr><td rowspan=2>a</td><td>b</td></tr><tr><td>c</td></tr>", [["a", "b"], ["", "c"]]),
        (
            "<tr><td colspan=3>a</td></tr><tr><td>b</td><td>c</td><td>d</td></tr>",
            [["a", "", ""], ["b", "c", "d"]],
        ),
        (
            "<tr><td rowspan=2 colspan=2>a</td><td>b</td></tr><tr><td>c</td></tr>",
            [["a", "", "b"], ["", "", "c"]],
        ),
        ("<tr><td>本年新<br>制作数量</td><td>&nbsp;</td></tr>", [["本年新制作数量", ""]]),
        ("<tr><td rowspan=99>a</td></tr><tr><td>b</td></tr>", [["a", ""], ["", "b"]]),  # rowspan past the end
        ("<tr><td colspan=x>a</td><td>b</td></tr>", [["a", "b"]]),  # a bad span counts as 1
        ("<tbody><tr><td>a</td></tr></tbody><tfoot><tr><td>z</td></tr></tfoot>", [["a"], ["z"]]),
        ("<tr><th>a</th><td rowspan=1 colspan=1>b</td></tr>", [["a", "b"]]),  # spans of 1 are plain cells
        # A span reaching past a shorter row below leaves positions no cell reaches: empty.
        (
            "<tr><td>a</td><td>b</td><td rowspan=2>c</td></tr><tr><td>d</td></tr>",
            [["a", "b", "c"], ["d", "", ""]],
        ),
        (
            "<tr><td>a</td><td rowspan=3>b</td></tr><tr><td>c</td><td>d</td></tr><tr><td>e</td></tr>",
            [["a", "b", ""], ["c", "", "d"], ["e", "", ""]],
        ),
        (
            "<thead><tr><th colspan=2>h</th></tr></thead><tr><td>a</td><td> b  c </td></tr>",
            [["h", ""], ["a", "b c"]],
        ),
    ],
)
def test_expand(markup: str, rows: list[list[str]]) -> None:
    table = html.parse(f"<html><body><table>{markup}</table></body></html>").find(".//table")
    assert html.expand(table) == rows


@pytest.mark.parametrize(
    ("markup", "refused"),
    [
        ("<tr>" + "<td>x</td>" * 6 + "</tr>", False),
        ("<tr>" + "<td>x</td>" * 7 + "</tr>", True),  # plain cells
        ("<tr><td colspan=4>a</td><td colspan=3>b</td></tr>", True),  # spans
        ("<tr><td rowspan=2 colspan=3>a</td></tr><tr></tr>", False),
        ("<tr><td rowspan=2 colspan=3>a</td></tr><tr><td>b</td></tr>", True),  # both
    ],
)
def test_tables_beyond_the_cell_limit_are_refused(
    monkeypatch: pytest.MonkeyPatch, markup: str, refused: bool
) -> None:
    monkeypatch.setattr(html, "_MAX_CELLS", 6)
    table = html.parse(f"<html><body><table>{markup}</table></body></html>").find(".//table")
    if refused:
        with pytest.raises(ExtractionError, match="too large"):
            html.expand(table)
    else:
        html.expand(table)


REPORT_START = "<p>一、总体情况</p><p>本年新收申请</p>"


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        # A script's or a share bar's tail text stays where it was.
        ("<p>前<script>var x;</script>后</p>", ["前后"]),
        ('<p>前<span class="share">分享到</span>后</p>', ["前后"]),
        ('<div class="print">打印</div>后', ["后"]),
        # Control characters the parser keeps must not stop the drop.
        ("<p>前<script>x</script>\x07后</p>", ["前\x07后"]),
        ('<div class="share">分享到</div>\x07后', ["\x07后"]),
        # Chrome that holds a marker is report content; a <chrome> element is no chrome.
        ('<div class="nav">六、其他需要报告的事项</div>', ["六、其他需要报告的事项"]),
        ("<chrome>保留</chrome>", ["保留"]),
    ],
)
def test_dropped_elements_keep_the_text_around_them(body: str, lines: list[str]) -> None:
    page = f"<html><body><div>{REPORT_START}{body}</div><div class='footer'>页脚</div></body></html>"
    assert html.extract(page.encode()).text.splitlines() == ["一、总体情况", "本年新收申请", *lines]


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ('<meta name="ArticleTitle" content="甲2020年报告"><title>x</title>', "甲2020年报告"),
        (
            "<title>乙街道2021年政府信息公开工作年度报告_某区人民政府</title>",
            "乙街道2021年政府信息公开工作年度报告",
        ),
        (
            "<title>某区人民政府 - 丙镇2022年政府信息公开工作年度报告</title>",
            "丙镇2022年政府信息公开工作年度报告",
        ),
        ("<title>通知公告</title>", "通知公告"),
        ("", None),
    ],
)
def test_title_hint(head: str, title: str | None) -> None:
    assert html.title_hint(html.parse(f"<html><head>{head}</head><body><p>x</p></body></html>")) == title


@pytest.mark.parametrize(
    ("markup", "published"),
    [
        ('<meta name="PubDate" content="2021-01-20 10:30">', date(2021, 1, 20)),
        ('<meta name="publishdate" content="2022/02/03">', date(2022, 2, 3)),
        ('<meta name="firstpublishedtime" content="2023-01-11-09:15:00">', date(2023, 1, 11)),
        ("<p>发布时间：2021年1月5日</p>", date(2021, 1, 5)),
        ("<p>发布日期: 2020-13-45</p>", None),  # not a date
        ("<p>2020年1月1日起</p>", None),  # a date, but not a publication line
    ],
)
def test_date_hint(markup: str, published: date | None) -> None:
    assert html.date_hint(html.parse(f"<html><head></head><body>{markup}</body></html>")) == published


@pytest.mark.parametrize("portal", HTML_PORTALS)
@pytest.mark.parametrize("layout", ["html", "html_gbk"])
def test_generated_pages_give_the_form_rows(portal: str, layout: str) -> None:
    report = random_report(random.Random(11), blank_cells=2)
    report = replace(report, style=replace(report.style, portal=portal))
    extracted = html.extract(render(report, layout))
    expected = [
        "\t".join(cell.replace("\n", "") for cell in row)
        for block in blocks(report)
        if isinstance(block, Table)
        for row in block.grid.expanded()
    ]
    assert [line for line in extracted.text.splitlines() if "\t" in line] == expected
    assert extracted.title == report.truth.title
    assert extracted.published_date == report.truth.published_date
    assert report.narrative.other in extracted.text.splitlines()
    for chrome in CHROME:
        assert chrome not in extracted.text


def test_page_without_report_content_is_kept_with_a_warning() -> None:
    extracted = html.extract("<html><body><div>通知：明天停水。</div></body></html>".encode())
    assert extracted.text == "通知：明天停水。"
    assert [w.code for w in extracted.warnings] == ["no_report_content"]


@pytest.mark.parametrize("data", [b"", b"   \n ", b"<!-- only a comment -->"])
def test_empty_pages_are_refused(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        html.extract(data)
