"""The HTML of the fixture portals' own pages: home, hub, listings, stubs and news items.

Report pages themselves come from the synthetic generator (`content.py`); these are
the pages around them, with the navigation, sidebars and noise a crawler must wade through.
"""

from __future__ import annotations

import json
from datetime import date
from html import escape

from crawler.portals.styles import Item, Style


def _page(title: str, charset: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html><head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
        f"<title>{escape(title)}</title>{head}\n</head><body>\n{body}\n</body></html>\n"
    )


def _nav(style: Style) -> str:
    return (
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>'
        f'<li><a href="{style.hub_path}">政府信息公开</a></li><li><a href="/zwfw/">政务服务</a></li>'
        '<li><a href="/hdjl/">互动交流</a></li></ul>'
    )


def home_page(site: str, style: Style, charset: str, news: list[Item]) -> str:
    headlines = "".join(
        f'<li><a href="{escape(item.href)}">{escape(item.title)}</a><span>{item.published:%m-%d}</span></li>'
        for item in news
    )
    body = (
        f'<div class="header"><img src="/images/logo.png" alt="{escape(site)}" />{escape(site)}</div>'
        f"{_nav(style)}"
        f'<div class="news"><h3>要闻动态</h3><ul>{headlines}</ul></div>'
        '<div class="gk"><h3>政务公开</h3><ul>'
        f'<li><a href="{style.hub_path}">政府信息公开</a></li>'
        '<li><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li>'
        f'<li><a href="{style.listing_path(0)}">{style.column_title}</a></li>'
        '<li><a href="/zfxxgk/fdzdgknr/">法定主动公开内容</a></li></ul></div>'
        '<div class="footer">主办单位：办公室 <a href="/wzdt/">网站地图</a></div>'
    )
    return _page(f"{site}门户网站", charset, body)


def hub_page(site: str, style: Style, charset: str) -> str:
    body = (
        f"<div class=\"header\">{escape(site)}</div>{_nav(style)}"
        '<div class="left"><ul><li><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li>'
        '<li><a href="/zfxxgk/zfxxgkzd/">政府信息公开制度</a></li>'
        '<li><a href="/zfxxgk/fdzdgknr/">法定主动公开内容</a></li>'
        f'<li><a href="{style.listing_path(0)}">{style.column_title}</a></li>'
        '<li><a href="/zfxxgk/ysqgk/">依申请公开</a></li></ul></div>'
    )
    return _page(f"政府信息公开_{site}", charset, body)


def listing_page(site: str, style: Style, charset: str, items: list[Item], page: int, count: int,
                 extra_line: str = "", total: int = 0, page_size: int = 0) -> str:
    path = style.listing_path(page)
    lines = "".join(style.item_html(item, path) for item in items)
    wrapped = style.list_html(lines, total, page_size)
    body = (
        f"<div class=\"header\">{escape(site)}</div>{_nav(style)}"
        '<div class="position">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="{style.hub_path}">政府信息公开</a> &gt; <span>{style.column_title}</span></div>'
        '<div class="left"><ul><li><a href="/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li>'
        f'<li><a href="{style.listing_path(0)}">{style.column_title}</a></li></ul></div>'
        f'<div class="right"><h2>{style.column_title}</h2>{wrapped}{extra_line}'
        f"{style.pager_html(page, count)}</div>"
    )
    return _page(f"{style.column_title}_{site}", charset, body)


def stub_page(
    site: str, charset: str, title: str, published: date, attachment_href: str, link_text: str
) -> str:
    """A detail page that is only a pointer to the report's attachment, as many portals publish."""
    body = (
        f'<div class="header">{escape(site)}</div>'
        f'<div class="article"><h1>{escape(title)}</h1><div class="info">发布时间：{published:%Y-%m-%d}</div>'
        '<div class="TRS_Editor"><p>现将本年度政府信息公开工作年度报告予以公布，详见附件。</p></div>'
        f'<div class="appendix">附件：<a href="{escape(attachment_href)}" target="_blank">'
        f"{escape(link_text)}</a></div>"
        "</div>"
    )
    return _page(f"{title}_{site}", charset, body)


def config_stub_page(site: str, charset: str, sid: str, title: str, published: date, attachment_url: str,
                     attachment_name: str) -> str:
    """A gkmlpt detail page: the attachment is named only in the page's `window._CONFIG` JSON."""
    config = json.dumps(
        {"SID": sid, "DETAIL": {"title": title, "publish_date": f"{published:%Y-%m-%d}",
                                     "attachment": [{"name": attachment_name, "url": attachment_url}]}},
        ensure_ascii=False,
    )
    body = (
        f'<div class="header">{escape(site)}</div>'
        f'<div class="article"><h1>{escape(title)}</h1><div class="info">发布日期：{published:%Y-%m-%d}</div>'
        '<div class="content"><p>现将本年度政府信息公开工作年度报告予以公布，详见附件。</p></div>'
        '<div id="attachment"></div></div>'
    )
    head = f"<script>window._CONFIG = {config};</script>"
    return _page(f"{title}_{site}", charset, body, head)


def news_page(site: str, charset: str, title: str, published: date) -> str:
    body = (
        f'<div class="header">{escape(site)}</div><div class="article"><h1>{escape(title)}</h1>'
        f"<div class=\"info\">发布时间：{published:%Y-%m-%d}</div>"
        "<div class=\"content\"><p>为进一步做好政务公开工作，现将有关事项通知如下。各单位要高度重视，"
        "按时完成相关工作。</p></div></div>"
    )
    return _page(f"{title}_{site}", charset, body)


def robots_txt(disallowed_prefix: str, sitemap_url: str | None = None) -> str:
    named = f"\nSitemap: {sitemap_url}\n" if sitemap_url else ""
    return f"User-agent: *\nDisallow: {disallowed_prefix}\nDisallow: /search\n{named}"


def scripted_home_page(site: str, charset: str) -> str:
    """A home page whose menus a script draws: no link a crawler can read leads anywhere useful."""
    body = (
        f'<div class="header"><img src="/images/logo.png" alt="{escape(site)}" />{escape(site)}</div>'
        '<div id="menu"></div><script src="/js/menu.js"></script>'
        '<div class="footer">主办单位：办公室</div>'
    )
    return _page(f"{site}门户网站", charset, body)
