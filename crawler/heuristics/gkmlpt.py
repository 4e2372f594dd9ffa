"""The Guangdong 政府信息公开目录管理平台 (`gkmlpt`): columns, its JSON item API, its detail pages. Pure.

A gkmlpt catalogue lives under `…/gkmlpt/` (often behind a department prefix, `/gzjy/gkmlpt/`).
Its column page `…/gkmlpt/index#<catId>` prints no items: a script reads the site id from
`window._CONFIG = {SID: '…', …}` and asks `…/gkmlpt/api/all/<catId>?page=N&sid=<SID>`,
which answers `{"articles": [{"title", "url", "first_publish_time", …}], "total": …}`.
Detail pages `…/gkmlpt/content/…/post_<id>.html` (`mpost_<id>.html` for phones) carry the
document's data and its attachment links as JSON in `window._CONFIG`, not as page links.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.heuristics.documents import Attachment, url_format
from crawler.heuristics.links import Link, absolute_url
from crawler.heuristics.titles import is_column_title

_INDEX_PATH = re.compile(r"^(?P<prefix>(?:/[^/]+)*)/gkmlpt/index(?:\.html?)?$")
_CATEGORY = re.compile(r"^\d{1,12}$")
# `SID: '755001'`, `"SID":"755001"`, `SID = "755001"`: one bounded token, no backtracking over the page.
_SID = re.compile(r"""\bSID["']?\s{0,8}[:=]\s{0,8}["']?([0-9A-Za-z_-]{1,40})""")
_CONFIG = re.compile(r"window\._CONFIG\s{0,8}=\s{0,8}")
# Hostile-input bounds: bytes of JSON read, items taken from one answer, API pages, config nodes walked.
MAX_JSON_CHARS = 4 * 1024 * 1024
MAX_ARTICLES = 1000
MAX_API_PAGES = 200
MAX_CONFIG_NODES = 20_000
# The platform's timestamps are instants; its portals date items in China Standard Time.
_CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class ApiPage:
    """One answer of the item API: its items as links, and how many items the column has."""

    links: list[Link]
    total: int


def category_of(url: str) -> str | None:
    """The catId of a gkmlpt column URL `…/gkmlpt/index#<catId>`, else None."""
    parts = urlsplit(url)
    if _INDEX_PATH.match(parts.path) and _CATEGORY.match(parts.fragment):
        return parts.fragment
    return None


def is_index_url(url: str) -> bool:
    """A gkmlpt column page, with or without its #catId."""
    return bool(_INDEX_PATH.match(urlsplit(url).path))


def column_urls(html: str, page_url: str) -> list[str]:
    """The gkmlpt 年报 columns a page links to, as `…/gkmlpt/index#<catId>` (page links drop the #)."""
    found: list[str] = []
    for anchor in Selector(text=html).xpath("//a[@href]"):
        href = (anchor.attrib.get("href") or "").strip()
        url = urljoin(page_url, href)
        text = " ".join("".join(anchor.xpath(".//text()").getall()).split())
        if category_of(url) is not None and is_column_title(text) and url not in found:
            found.append(url)
    return found


def site_id(html: str) -> str | None:
    """The SID of the page's script config, which the item API requires."""
    match = _SID.search(html)
    return match.group(1) if match else None


def api_url(column_url: str, page: int, sid: str) -> str:
    """The item API's page `page` (1 = the first) for the column `…/gkmlpt/index#<catId>`."""
    parts = urlsplit(column_url)
    index = _INDEX_PATH.match(parts.path)
    if index is None or category_of(column_url) is None:
        raise ValueError(f"{column_url!r} is not a gkmlpt column")
    path = f"{index.group('prefix')}/gkmlpt/api/all/{parts.fragment}"
    return urlunsplit((parts.scheme, parts.netloc, path, f"page={page}&sid={sid}", ""))


def api_page(text: str, api_url: str) -> ApiPage | None:
    """The items of one API answer; None when it is not the API's JSON (or exceeds the bounds)."""
    data = _json(text)
    if not isinstance(data, dict):
        return None
    articles = data.get("articles")
    total = data.get("total")
    if not isinstance(articles, list):
        return None
    links = [link for item in articles[:MAX_ARTICLES] if (link := _article_link(item, api_url)) is not None]
    return ApiPage(links=links, total=total if isinstance(total, int) and total >= 0 else len(links))


def later_pages(first: ApiPage) -> range:
    """The page numbers after the first that the column's `total` needs, at the first page's size."""
    size = len(first.links)
    if size == 0:
        return range(0)
    count = min(-(-first.total // size), MAX_API_PAGES)
    return range(2, count + 1)


def config_attachments(html: str, page_url: str) -> list[Attachment]:
    """Report-format files named in the detail page's `window._CONFIG` JSON, in order."""
    config = _config(html)
    if config is None:
        return []
    found: list[Attachment] = []
    seen: set[str] = set()
    for node in _dicts(config):
        target = node.get("url") or node.get("path") or node.get("link")
        if not isinstance(target, str) or not target.strip():
            continue
        name = node.get("name") or node.get("title") or ""
        name = name if isinstance(name, str) else ""
        url = absolute_url(target, page_url)
        format = url_format(url) or url_format(name)
        if format is not None and url not in seen:
            seen.add(url)
            found.append(Attachment(url=url, text=name, format=format))
    return found


def _config(html: str) -> Any:
    match = _CONFIG.search(html)
    if match is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(html[match.end() : match.end() + MAX_JSON_CHARS])
    except (ValueError, RecursionError):
        return None
    return value


def _json(text: str) -> Any:
    if len(text) > MAX_JSON_CHARS:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _dicts(root: Any) -> list[dict[str, Any]]:
    """Every object inside `root`, breadth first, at most MAX_CONFIG_NODES nodes visited."""
    found: list[dict[str, Any]] = []
    queue: deque[Any] = deque([root])
    visited = 0
    while queue and visited < MAX_CONFIG_NODES:
        node = queue.popleft()
        visited += 1
        if isinstance(node, dict):
            found.append(node)
            queue.extend(node.values())
        elif isinstance(node, list):
            queue.extend(node)
    return found


def _article_link(item: object, api_url: str) -> Link | None:
    if not isinstance(item, dict):
        return None
    url, title = item.get("url"), item.get("title")
    if not isinstance(url, str) or not isinstance(title, str) or not url.strip():
        return None
    return Link(url=absolute_url(url, api_url), text=" ".join(title.split()), date=_date(item))


def _date(item: dict[str, Any]) -> str | None:
    stamp = item.get("first_publish_time") or item.get("publish_time")
    if isinstance(stamp, int) and 0 < stamp < 10**11:
        return datetime.fromtimestamp(stamp, _CHINA).strftime("%Y-%m-%d")
    return None
