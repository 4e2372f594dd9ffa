"""Government-portal pages of a synthetic report: real <table>s inside typical portal chrome.

Three page templates imitate the common portal systems (TRS WCM, 大汉 jcms, 博达
VSB): header, navigation, breadcrumbs, share buttons, related links, footer and
scripts around one content container. Tables use rowspan/colspan exactly as the
official form, `&nbsp;` in empty cells and `<br>` inside header labels.

Quirks (see `realism.py`): `shifted_spans` puts a row's numbers one grid column
off their header (an empty cell too many, a label's colspan one too small or too
large), as hand-edited portal tables have; `titles` may give the page a heading
(<title>, <h1>, ArticleTitle) that differs from the body's own title line by 年/年度.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from html import escape
from typing import Literal

from indexer.synthetic.document import Heading, Paragraph, Table, blocks
from indexer.synthetic.forms import Cell, Grid
from indexer.synthetic.report import SyntheticReport

Shift = Literal["extra_cell", "colspan_short", "colspan_long"]
# The first grid column of each table that holds numbers.
_FIRST_VALUE_COLUMN = {"active": 1, "applications": 3, "appeals": 0}


def _cell_html(text: str) -> str:
    if not text:
        return "&nbsp;"
    return "<br/>".join(escape(part) for part in text.split("\n"))


def _td(cell: Cell, colspan: int | None = None) -> str:
    colspan = cell.colspan if colspan is None else colspan
    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{colspan}"' if colspan > 1 else ""
    )
    return f'<td{spans} style="border:1px solid #000;text-align:center"><p>{_cell_html(cell.text)}</p></td>'


def _shifted_row(cells: list[Cell], first_value: int, shift: Shift) -> list[str]:
    """A row whose numbers sit one grid column off: an empty cell before them, or the label
    before them spanning a column too few or too many."""
    labels = [cell for cell in cells if cell.col < first_value]
    values = [cell for cell in cells if cell.col >= first_value]
    if shift == "extra_cell" or not labels:
        return [_td(cell) for cell in labels] + [_td(Cell("", 0, 0))] + [_td(cell) for cell in values]
    last = labels[-1]
    colspan = last.colspan - 1 if shift == "colspan_short" else last.colspan + 1
    return [_td(cell) for cell in labels[:-1]] + [_td(last, colspan)] + [_td(cell) for cell in values]


def table_html(grid: Grid, shifts: dict[int, Shift] | None = None, first_value: int = 0) -> str:
    """The table's <tr>s; the rows in `shifts` printed with their numbers a column off."""
    shifts = shifts or {}
    rows = []
    for r, cells in enumerate(grid.origins()):
        tds = _shifted_row(cells, first_value, shifts[r]) if r in shifts else [_td(cell) for cell in cells]
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse">'
        "<tbody>" + "\n".join(rows) + "</tbody></table>"
    )


def _shifts(table: Table, rng: random.Random) -> dict[int, Shift]:
    """One or two data rows of the table printed a column off."""
    first_value = _FIRST_VALUE_COLUMN[table.name]
    rows = [
        r
        for r, cells in enumerate(table.grid.origins())
        if any(c.col >= first_value and not c.header for c in cells)
    ]
    out: dict[int, Shift] = {}
    for r in rng.sample(rows, min(len(rows), rng.choice((1, 1, 2)))):
        labels = [c for c in table.grid.origins()[r] if c.col < first_value]
        kinds: list[Shift] = ["extra_cell"]
        if labels:
            kinds.append("colspan_long")
            if labels[-1].colspan > 1:
                kinds.append("colspan_short")
        out[r] = rng.choice(kinds)
    return out


def _table_html(table: Table, report: SyntheticReport) -> str:
    if "shifted_spans" not in report.quirks:
        return table_html(table.grid)
    rng = report.quirks.rng("shifted_spans", table.name)
    # Table 三 most often: its wide label cells are where hand edits go wrong.
    if table.name != "applications" and rng.random() < 0.6:
        return table_html(table.grid)
    first_value = _FIRST_VALUE_COLUMN[table.name]
    return table_html(table.grid, _shifts(table, rng), first_value)


def content_html(report: SyntheticReport) -> str:
    """The article body: headings, paragraphs and tables, without the page title (but with the
    body's own title line when the page heading differs from it)."""
    parts = []
    body = blocks(report)[1:]
    if report.quirks.page_heading:
        parts.append(f'<p style="text-align:center"><strong>{escape(report.truth.title or "")}</strong></p>')
    for block in body:
        if isinstance(block, Heading):
            parts.append(f'<p style="text-indent:2em"><strong>{escape(block.text)}</strong></p>')
        elif isinstance(block, Paragraph):
            align = "text-align:right" if block.align_right else "text-indent:2em"
            parts.append(f'<p style="{align}"><span style="font-family:仿宋">{escape(block.text)}</span></p>')
        else:
            parts.append(_table_html(block, report))
    return "\n".join(parts)


def _site(report: SyntheticReport) -> str:
    return f"{report.truth.region.county or report.truth.region.city}人民政府"


def _related(report: SyntheticReport) -> str:
    year = report.truth.year or 2020
    office = escape(report.truth.office or "")
    items = "".join(
        f'<li><a href="../{y}/index.html">{office}{y}年政府信息公开工作年度报告</a>'
        f"<span>{y + 1}-01-2{y % 10}</span></li>"
        for y in (year - 1, year - 2)
    )
    return f'<div class="related"><h3>相关链接</h3><ul>{items}</ul></div>'


_SCRIPT = (
    '<script type="text/javascript">var _nPageCount = 1; function doZoom(size){'
    "document.getElementById('zoom').style.fontSize=size+'px';}</script>"
)
_SHARE = '<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>'
_NAV = (
    '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li>'
    '<li><a href="/zjxx/">走进本地</a></li></ul>'
)


def _footer(site: str) -> str:
    return (
        f'<div class="footer"><p>主办单位：{site}办公室　承办单位：{site}大数据中心</p>'
        "<p>网站标识码：4401050001　ICP备案号：粤ICP备05012345号　公安机关备案号：44010502000123号</p>"
        '<p><a href="/wzdt/">网站地图</a> | <a href="/lxwm/">联系我们</a></p></div>'
    )


def _trs(report: SyntheticReport, charset: str) -> str:
    truth, site = report.truth, escape(_site(report))
    title, date = escape(report.titles[-1]), truth.published_date
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}" />
<meta name="SiteName" content="{site}" />
<meta name="ArticleTitle" content="{title}" />
<meta name="PubDate" content="{date} 10:30" />
<meta name="ContentSource" content="{escape(truth.office or "")}" />
<title>{title}_{site}</title>
<link rel="stylesheet" href="/images/style.css" />
<style type="text/css">.nav li{{float:left}} .TRS_Editor p{{line-height:2em}}</style>
{_SCRIPT}
</head><body>
<div class="header"><div class="logo"><img src="/images/logo.png" alt="{site}" />{site}</div>
<form class="search" action="/search"><input name="q" /><button>搜索</button></form></div>
{_NAV}
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zwgk/xxgknb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="article-title">{title}</h1>
<div class="article-info"><span>发布时间：{date}</span><span>来源：{escape(truth.office or "")}</span>
<span>浏览次数：<script>document.write(1024)</script></span>
<span>【字体：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a>
<a href="javascript:doZoom(12)">小</a>】</span></div>
<div class="article-content" id="zoom"><div class="TRS_Editor">
{content_html(report)}
</div></div>
{_SHARE}
<div class="print"><a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a></div>
</div>
{_related(report)}
{_footer(site)}
</body></html>
"""


def _jcms(report: SyntheticReport, charset: str) -> str:
    truth, site = report.truth, escape(_site(report))
    title, date = escape(report.titles[-1]), truth.published_date
    return f"""<!DOCTYPE html>
<html><head>
<meta charset="{charset}">
<meta name="keywords" content="政府信息公开年报">
<meta name="firstpublishedtime" content="{date}-09:15:00">
<title>{title} - {site}</title>
<script src="/script/jquery.min.js"></script>
<script>$(function(){{ $('.fontsize a').click(function(){{}}); }});</script>
</head><body>
<div id="top"><div class="topbar">您好，欢迎访问{site}门户网站！
<a href="#">无障碍浏览</a> <a href="#">长者模式</a></div>
<div class="banner">{site}</div>{_NAV}</div>
<div class="main">
<div class="bread">您当前的位置：<a href="/">首页</a> &gt;
<a href="/col/col1/index.html">信息公开</a> &gt; <span>年度报告</span></div>
<table class="xxgk_table"><tr><td>索引号：</td><td>11330522002579789T/2021-00001</td>
<td>发布机构：</td><td>{escape(truth.office or "")}</td></tr>
<tr><td>生成日期：</td><td>{date}</td><td>公开方式：</td><td>主动公开</td></tr></table>
<div class="title"><h2>{title}</h2></div>
<div class="fontsize">字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div id="zoom" class="bt_content">
{content_html(report)}
</div>
{_SHARE}
</div>
{_related(report)}
<div class="foot">{_footer(site)}</div>
<script>var hm = document.createElement("script"); hm.src = "//stat.example/count.js";</script>
</body></html>
"""


def _vsb(report: SyntheticReport, charset: str) -> str:
    truth, site = report.truth, escape(_site(report))
    title, date = escape(report.titles[-1]), truth.published_date
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}-{site}</title>
<link href="/style/main.css" rel="stylesheet">
</head><body>
<div class="head"><img src="/images/banner.jpg"><div class="sitename">{site}</div></div>
<div class="menu">{_NAV}</div>
<div class="weizhi">当前位置: <a href="/">首页</a>&gt;&gt;<a href="/xxgk.htm">信息公开</a>&gt;&gt;年报</div>
<form name="_newscontent_fromname"><div class="content-box">
<h1 align="center">{title}</h1>
<div class="info" align="center">发布时间：{date}&nbsp;&nbsp;作者：办公室&nbsp;&nbsp;
点击数：<span id="dynclicks">88</span></div>
<div id="vsb_content"><div class="v_news_content">
{content_html(report)}
</div></div>
<div class="prev-next"><p>上一篇：<a href="/info/1/1.htm">关于开展安全生产检查的通知</a></p>
<p>下一篇：<a href="/info/1/3.htm">{site}第三季度重点工作进展</a></p></div>
</div></form>
{_related(report)}
<div class="bottom">{_footer(site)}</div>
</body></html>
"""


_PORTALS: dict[str, Callable[[SyntheticReport, str], str]] = {"trs": _trs, "jcms": _jcms, "vsb": _vsb}


def html(report: SyntheticReport) -> bytes:
    return _PORTALS[report.style.portal](report, "utf-8").encode("utf-8")


def html_gbk(report: SyntheticReport) -> bytes:
    """The same page from an old portal that declares gb2312 and writes GBK bytes."""
    return _PORTALS[report.style.portal](report, "gb2312").encode("gbk")
