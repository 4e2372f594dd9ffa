"""How each imitated CMS family names its pages and draws its listings (formats-in-the-wild §6).

- trs: TRS WCM. Listing `/zfxxgk/zfxxgknb/index.html`, `index_1.html` … drawn by a
  script call `createPageHTML(n, i, "index", "html")` (no page links in the HTML);
  articles `./202201/t20220123_5786521.html`; attachments `./202201/P0….pdf` next to them.
- nextlink: 大汉 jcms. `/col/col1229/index.html`, then `list_2.html` … reached only
  through 首页/上一页/下一页/尾页 links; articles `/art/2023/1/11/art_1229_4052272.html`;
  attachments `downfile.jsp?classid=0&filename=<hash>.docx` served as octet-stream.
- query: 博达 VSB. `/xxgk/ndbg.jsp` then `?page=2` … with numbered links; articles
  `/info/1308/19381.htm` linked as `../info/…`; attachments behind `download.jsp?…`
  whose file type only the link text tells.
- gbk: an old portal in GB2312/GBK. `/zfxxgk/zfxxgknb/1.html`, `2.html` …; articles
  with snowflake ids; attachments `/uploadfiles/2023/01/<timestamp>.pdf`.
- jcms: 大汉 jcms drawing its listing with `jpage`: `/col/col1300/index.html` carries the first
  records inside a `<datastore>` script and `totalRecord`; the rest come only from POSTs to
  `/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…` with the column's form fields.
- gkmlpt: the Guangdong 政府信息公开目录管理平台 under a department prefix. The column page
  `/gzjy/gkmlpt/index#2639` prints no items, only `window._CONFIG = {"SID": …}`; its items come
  as JSON from `/gzjy/gkmlpt/api/all/2639?page=N&sid=…`; details `/gzjy/gkmlpt/content/…/post_N.html`
  (every other one `mpost_N.html`) name their attachment only in their own `window._CONFIG` JSON.
- sitemap: a TRS portal whose menus are drawn by script: its home page links nothing a crawler
  reads, and only the sitemap its robots.txt names (an index, then `/sitemap/zwgk.xml`) lists
  the column `/zwgk/ndbg/index.html`.
- rough: a TRS-like portal whose links misbehave (500, hang, reset, 300 MB, bad bytes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from html import escape
from typing import Literal

StyleName = Literal["trs", "nextlink", "query", "gbk", "jcms", "gkmlpt", "sitemap", "rough"]


@dataclass(frozen=True)
class Item:
    """One listing line: where it links, its words, its date."""

    href: str
    title: str
    published: date


class Style:
    name: StyleName = "trs"
    column_path = "/zfxxgk/zfxxgknb/"
    column_title = "政府信息公开年报"
    hub_path = "/zfxxgk/"
    disallowed_prefix = "/zfxxgk/zfxxgknb/internal/"

    def listing_path(self, page: int) -> str:
        """Path of listing page `page` (0 = the first)."""
        return self.column_path if page == 0 else f"{self.column_path}index_{page}.html"

    def detail_path(self, number: int, published: date) -> str:
        return f"{self.column_path}{published:%Y%m}/t{published:%Y%m%d}_{number}.html"

    def attachment_path(self, number: int, published: date, extension: str) -> str:
        return f"{self.column_path}{published:%Y%m}/P0{published:%Y%m%d}{number:012d}.{extension}"

    def attachment_link_text(self, title: str, extension: str) -> str:
        return f"{title}.{extension}"

    def attachment_content_type(self, extension: str) -> str:
        return _CONTENT_TYPES[extension]

    def item_html(self, item: Item, listing_path: str) -> str:
        # TRS listings link relative to the column and truncate long titles, full title in @title.
        inside = item.href.startswith(self.column_path)
        href = "./" + item.href.removeprefix(self.column_path) if inside else item.href
        shown = item.title if len(item.title) <= 24 else item.title[:24] + "..."
        return (
            f'<li><a href="{escape(href)}" title="{escape(item.title)}" target="_blank">{escape(shown)}</a>'
            f"<span>{item.published:%Y-%m-%d}</span></li>"
        )

    def pager_html(self, page: int, count: int) -> str:
        return (
            '<div class="page" id="page_div"></div><script type="text/javascript">'
            f'createPageHTML({count}, {page}, "index", "html");</script>'
        )

    def list_html(self, lines: str, total: int, page_size: int) -> str:
        """The listing's lines as the page holds them (`total`: lines in the whole listing)."""
        tag = "table" if lines.startswith("<tr") else "ul"
        return f'<{tag} class="list">{lines}</{tag}>'


class NextLinkStyle(Style):
    name: StyleName = "nextlink"
    column_path = "/col/col1229/"
    column_title = "信息公开年报"
    hub_path = "/col/col1/index.html"
    disallowed_prefix = "/art/private/"
    column_id = "1229"
    file_tag = "c3f9a"  # the tail of the hashed names of the column's downloads

    def listing_path(self, page: int) -> str:
        return f"{self.column_path}index.html" if page == 0 else f"{self.column_path}list_{page + 1}.html"

    def detail_path(self, number: int, published: date) -> str:
        return f"/art/{published.year}/{published.month}/{published.day}/art_{self.column_id}_{number}.html"

    def attachment_path(self, number: int, published: date, extension: str) -> str:
        return f"/module/download/downfile.jsp?classid=0&filename={number:08x}{self.file_tag}.{extension}"

    def attachment_link_text(self, title: str, extension: str) -> str:
        return "附件下载"

    def attachment_content_type(self, extension: str) -> str:
        return "application/octet-stream"

    def item_html(self, item: Item, listing_path: str) -> str:
        return (
            f'<tr><td class="bt"><a href="{escape(item.href)}" target="_blank">{escape(item.title)}</a></td>'
            f"<td>{item.published:%Y-%m-%d}</td></tr>"
        )

    def pager_html(self, page: int, count: int) -> str:
        first, last = self.listing_path(0), self.listing_path(count - 1)
        previous, following = self.listing_path(max(page - 1, 0)), self.listing_path(min(page + 1, count - 1))
        return (
            f'<div class="pager">共{count}页 <a href="{first}">首页</a> <a href="{previous}">上一页</a> '
            f'<a href="{following}">下一页</a> <a href="{last}">尾页</a></div>'
        )


class QueryStyle(Style):
    name: StyleName = "query"
    column_path = "/xxgk/ndbg.jsp"
    column_title = "年度报告"
    hub_path = "/xxgk.htm"
    disallowed_prefix = "/info/private/"

    def listing_path(self, page: int) -> str:
        return self.column_path if page == 0 else f"{self.column_path}?page={page + 1}"

    def detail_path(self, number: int, published: date) -> str:
        return f"/info/1308/{number}.htm"

    def attachment_path(self, number: int, published: date, extension: str) -> str:
        return f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1308&wbfileid={number}"

    def attachment_link_text(self, title: str, extension: str) -> str:
        return f"附件【{title}.{extension}】"

    def attachment_content_type(self, extension: str) -> str:
        return "application/octet-stream"

    def item_html(self, item: Item, listing_path: str) -> str:
        href = "../" + item.href.lstrip("/") if item.href.startswith("/info/") else item.href
        return (
            f'<li id="line_u5_0"><a href="{escape(href)}">{escape(item.title)}</a>'
            f"<span>{item.published:%Y/%m/%d}</span></li>"
        )

    def pager_html(self, page: int, count: int) -> str:
        numbers = " ".join(
            f"<span>{index + 1}</span>" if index == page
            else f'<a href="{self._relative(index)}">{index + 1}</a>'
            for index in range(count)
        )
        following = f' <a href="{self._relative(page + 1)}">下一页</a>' if page + 1 < count else ""
        return f'<div class="pb_sys_common">{numbers}{following}</div>'

    def _relative(self, page: int) -> str:
        return "ndbg.jsp" if page == 0 else f"ndbg.jsp?page={page + 1}"


class GbkStyle(Style):
    name: StyleName = "gbk"
    column_path = "/zfxxgk/zfxxgknb/"
    column_title = "政府信息公开工作年度报告"
    hub_path = "/zfxxgk/"
    disallowed_prefix = "/zfxxgk/zfxxgknb/nbgl/"

    def listing_path(self, page: int) -> str:
        return f"{self.column_path}{page + 1}.html"

    def detail_path(self, number: int, published: date) -> str:
        return f"{self.column_path}bmxxgknb/19069850{number:011d}.html"

    def attachment_path(self, number: int, published: date, extension: str) -> str:
        return f"/uploadfiles/{published:%Y/%m}/{published:%Y%m%d}0930{number % 100000:05d}.{extension}"

    def item_html(self, item: Item, listing_path: str) -> str:
        return (
            f'<li><span class="date">[{item.published:%Y-%m-%d}]</span>'
            f'<a href="{escape(item.href)}" target="_blank">{escape(item.title)}</a></li>'
        )

    def pager_html(self, page: int, count: int) -> str:
        numbers = " ".join(
            f"<b>{index + 1}</b>" if index == page else f'<a href="{index + 1}.html">{index + 1}</a>'
            for index in range(count)
        )
        following = f' <a href="{page + 2}.html">下一页</a>' if page + 1 < count else ""
        return f'<div class="fy">{numbers}{following}</div>'


class JcmsStyle(NextLinkStyle):
    """The same CMS as `nextlink`, with the column drawn by `jpage` from its feed instead of pages."""

    name: StyleName = "jcms"
    column_path = "/col/col1300/"
    column_title = "政府信息公开年度报告"
    column_id = "1300"
    file_tag = "b71e2"
    feed_path = "/module/web/jpage/dataproxy.jsp"
    unit_id = "4730"

    def listing_path(self, page: int) -> str:
        # Only the first page has an address; the others exist only as answers of the feed.
        return f"{self.column_path}index.html" if page == 0 else f"{self.column_path}#page{page + 1}"

    def item_html(self, item: Item, listing_path: str) -> str:
        line = (
            f'<li><a href="{escape(item.href)}" title="{escape(item.title)}" target="_blank">'
            f"{escape(item.title)}</a><span>{item.published:%Y-%m-%d}</span></li>"
        )
        return f"<record><![CDATA[{line}]]></record>\n"

    def pager_html(self, page: int, count: int) -> str:
        return ""

    def list_html(self, lines: str, total: int, page_size: int) -> str:
        feed = (
            f"{self.feed_path}?page=1&amp;webid=1&amp;path=/&amp;columnid={self.column_id}"
            f"&amp;unitid={self.unit_id}&amp;webname=&amp;permissiontype=0"
        )
        return (
            f'<div id="{self.unit_id}"><script type="text/xml"><datastore>'
            f'<nextgroup><![CDATA[<a href="{feed}"></a>]]></nextgroup>'
            f"<recordset>{lines}</recordset></datastore></script></div>"
            '<script type="text/javascript" src="/module/web/jpage/jpage.js"></script>'
            f"<script type=\"text/javascript\">$('#{self.unit_id}').jpage({{"
            f" dataStore: $('#{self.unit_id} script'), basePath: '/module/web/jpage/',"
            f" perPage: {page_size}, totalRecord: {total},"
            " groupSize: 3, proxyUrl: 'dataproxy.jsp' });</script>"
        )

    def feed_answer(self, lines: str) -> str:
        return f'<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>{lines}</recordset></datastore>'


class GkmlptStyle(Style):
    """A gkmlpt catalogue: a script column page, a JSON item API, details with a JSON config."""

    name: StyleName = "gkmlpt"
    prefix = "/gzjy"
    column_path = "/gzjy/gkmlpt/"
    column_title = "政府信息公开年报"
    hub_path = "/gzjy/"
    disallowed_prefix = "/gzjy/gkmlpt/content/private/"
    category = "2639"
    sid = "755031"

    @property
    def index_path(self) -> str:
        return f"{self.column_path}index"

    @property
    def api_path(self) -> str:
        return f"{self.column_path}api/all/{self.category}"

    def listing_path(self, page: int) -> str:
        # Only the column page has an address; its items exist only as answers of the API.
        return f"{self.index_path}#{self.category}" if page == 0 else f"{self.api_path}?page={page + 1}"

    def detail_path(self, number: int, published: date) -> str:
        kind = "mpost" if number % 2 == 0 else "post"
        return f"{self.column_path}content/{number // 100000}/{number // 100}/{kind}_{number}.html"

    def attachment_path(self, number: int, published: date, extension: str) -> str:
        return f"{self.prefix}/attachment/{number // 100000}/{number // 100}/{number}.{extension}"

    def pager_html(self, page: int, count: int) -> str:
        return ""

    def list_html(self, lines: str, total: int, page_size: int) -> str:
        config = json.dumps({"SID": self.sid, "CATALOG": self.category, "PAGE_SIZE": page_size})
        return (
            '<div id="app" class="gkmlpt-list"></div>'
            f"<script>window._CONFIG = {config};</script>"
            f'<script src="{self.column_path}static/js/app.js"></script>'
        )

    def api_answer(self, items: list[Item], total: int, base_url: str) -> str:
        articles = [
            {
                "id": index,
                "title": item.title,
                "url": f"{base_url}{item.href}",
                "first_publish_time": _china_timestamp(item.published),
            }
            for index, item in enumerate(items)
        ]
        return json.dumps({"articles": articles, "total": total}, ensure_ascii=False)


def _china_timestamp(day: date) -> int:
    """09:00 China Standard Time on `day`, as the platform's epoch seconds."""
    return int(datetime.combine(day, clock(9, 0), tzinfo=timezone(timedelta(hours=8))).timestamp())


class SitemapStyle(Style):
    """TRS pages behind a scripted home page: only the sitemap robots.txt names leads to the column."""

    name: StyleName = "sitemap"
    column_path = "/zwgk/ndbg/"
    hub_path = "/zwgk/"
    disallowed_prefix = "/zwgk/ndbg/internal/"
    sitemap_index_path = "/sitemap.xml"
    sitemap_path = "/sitemap/zwgk.xml"

    def listing_path(self, page: int) -> str:
        return f"{self.column_path}index.html" if page == 0 else f"{self.column_path}index_{page}.html"

    def sitemap_index(self, base_url: str) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base_url}{self.sitemap_path}</loc></sitemap>"
            "<sitemap><loc>https://elsewhere.example/sitemap.xml</loc></sitemap></sitemapindex>"
        )

    def sitemap(self, base_url: str, paths: list[str]) -> str:
        entries = "".join(f"<url><loc>{escape(base_url + path)}</loc></url>" for path in paths)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        )


class RoughStyle(Style):
    name: StyleName = "rough"
    column_path = "/nb/"


_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "jpg": "image/jpeg",
}

STYLES: dict[StyleName, Style] = {
    "trs": Style(),
    "nextlink": NextLinkStyle(),
    "query": QueryStyle(),
    "gbk": GbkStyle(),
    "jcms": JcmsStyle(),
    "gkmlpt": GkmlptStyle(),
    "sitemap": SitemapStyle(),
    "rough": RoughStyle(),
}
