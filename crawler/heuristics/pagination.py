"""The other pages of a listing: TRS `createPageHTML`, 下一页 links, `?page=N`. Pure.

TRS WCM prints no page links at all: the page calls
`createPageHTML(5, 0, "index", "html")` and a script draws them, so the pages are
computed: the first is `index.html`, page k+1 is `index_k.html`, up to the count.
Some templates pass variables (`createPageHTML(countPage, currentPage, ...)` after
`var countPage = 5`) or a div id first (`createPageHTML('page_div', 5, 0, ...)`).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.heuristics.links import Link, directory_of, is_under, looks_like_listing_url, same_site
from crawler.heuristics.titles import compact

_ARG = r"\s*(\d+|[A-Za-z_$][\w$]*)\s*"
_NAME = r"\s*['\"]([^'\"]+)['\"]\s*"
_CREATE_PAGE_HTML = re.compile(
    rf"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,)?{_ARG},{_ARG},{_NAME},{_NAME}[,)]"
)
_PAGE_WORDS = frozenset(
    {"下一页", "下页", "后一页", "下一頁", "尾页", "末页", "最后一页",
     "上一页", "上页", "前一页", "首页", "第一页", ">", ">>", "›", "»", "<", "<<", "‹", "«"}
)
_PAGE_NUMBER = re.compile(r"^\[?\d{1,3}\]?$")
# Never more pages than this from one createPageHTML call, whatever the page claims.
MAX_SCRIPT_PAGES = 500


def script_pages(html: str, page_url: str) -> list[str]:
    """The pages a TRS `createPageHTML(count, current, name, ext)` call would draw links to."""
    pages: list[str] = []
    for match in _CREATE_PAGE_HTML.finditer(html):
        count = _resolve(match.group(1), html)
        if count is None:
            continue
        name, ext = match.group(3), match.group(4)
        directory = directory_of(page_url)
        count = min(count, MAX_SCRIPT_PAGES)
        pages.append(urljoin(directory, f"{name}.{ext}"))
        pages.extend(urljoin(directory, f"{name}_{index}.{ext}") for index in range(1, count))
    return _unique(pages, page_url)


def link_pages(links: list[Link], page_url: str) -> list[str]:
    """Pages reached by 下一页/尾页/numbered links next to this page (its folder, or its path with a query).

    Staying next to the page matters: 首页 also means "home page", and breadcrumbs link it.
    """
    pages: list[str] = []
    for link in links:
        text = compact(link.text)
        numbered = bool(_PAGE_NUMBER.match(text)) and looks_like_listing_url(link.url)
        if (text in _PAGE_WORDS or numbered) and _next_to(link.url, page_url):
            pages.append(link.url)
    return _unique(pages, page_url)


def pagination_urls(html: str, links: list[Link], page_url: str) -> list[str]:
    return _unique(script_pages(html, page_url) + link_pages(links, page_url), page_url)


def _next_to(url: str, page_url: str) -> bool:
    same_path = urlsplit(url)._replace(query="") == urlsplit(page_url)._replace(query="")
    return same_site(url, page_url) and (same_path or is_under(url, directory_of(page_url)))


def _resolve(argument: str, html: str) -> int | None:
    if argument.isdigit():
        return int(argument)
    assigned = re.search(rf"(?:var|let|const)?\s*\b{re.escape(argument)}\s*=\s*['\"]?(\d+)", html)
    return int(assigned.group(1)) if assigned else None


def _unique(urls: list[str], page_url: str) -> list[str]:
    seen = {page_url}
    unique: list[str] = []
    for url in urls:
        if url not in seen:
            seen.add(url)
            unique.append(url)
    return unique
