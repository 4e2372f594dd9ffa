"""Links on a page: what they say, where they go, and which ones a crawl follows. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawler.heuristics.titles import compact, is_column_title, is_hub_title, is_year_column_title

_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# Listing nodes of the 年报 column: zfxxgknb, xxgknb_5784164, gknb, ndbg, zfxxgkndbg.
_COLUMN_SEGMENT = re.compile(r"^(?:zfxxgk|xxgk)?(?:nb|ndbg)(?:_\d+)?$|^gknb(?:_\d+)?$")
_HUB_SEGMENT = re.compile(r"^(?:zfxxgk|xxgk)$")
_LISTING_FILE = re.compile(
    r"^(?:index|list|default|more)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$|^\d{1,3}\.s?html?$"
)
_PAGE_QUERY = re.compile(r"(?:^|&)(?:page|pageno|pageindex|pagenum|p|curpage|currentpage)=\d+", re.IGNORECASE)
_ELLIPSIS = re.compile(r"(?:\.{2,}|…+)$")
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
# The element holding one listing line, whose text carries the link's date.
_LINE_ELEMENTS = "self::li or self::tr or self::dd or self::dt or self::p"
_DIRECTORY_INDEX = re.compile(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$")


@dataclass(frozen=True)
class Link:
    url: str  # absolute, without fragment
    text: str  # the link's words; the `title` attribute wins over words truncated with ...
    date: str | None  # YYYY-MM-DD printed next to the link, as listings do


def page_links(html: str, page_url: str, *, selector: str | None = None) -> list[Link]:
    """Every followable link of the page (or of the elements `selector` picks), in page order."""
    page = Selector(text=html)
    base = _base_url(page, page_url)
    scope = page.css(selector) if selector else page
    anchors = scope.xpath("descendant-or-self::a[@href]")
    links: list[Link] = []
    for anchor in anchors:
        href = (anchor.attrib.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIPPED_SCHEMES):
            continue
        text = " ".join("".join(anchor.xpath(".//text()").getall()).split())
        title = " ".join((anchor.attrib.get("title") or "").split())
        if title and (len(compact(title)) > len(compact(text)) or _ELLIPSIS.search(text)):
            text = title
        around = anchor.xpath(f"string(ancestor::*[{_LINE_ELEMENTS}][1])").get()
        links.append(Link(url=absolute_url(href, base), text=text, date=listing_date(around or "")))
    return links


def absolute_url(href: str, base: str) -> str:
    parts = urlsplit(urljoin(base, href.strip()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def listing_key(url: str) -> str:
    """The same listing page whether reached as `/col/` or `/col/index.html`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, _DIRECTORY_INDEX.sub("/", parts.path), parts.query, ""))


def listing_date(text: str) -> str | None:
    match = _DATE.search(text)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def same_site(url: str, other: str) -> bool:
    """Same host (a leading www. aside) and port: portals on one host but other ports are other sites."""
    first, second = urlsplit(url), urlsplit(other)
    return (
        (first.hostname or "").removeprefix("www.") == (second.hostname or "").removeprefix("www.")
        and first.port == second.port
    )


def directory_of(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_under(url: str, directory: str) -> bool:
    return url.startswith(directory) and url != directory


def looks_like_listing_url(url: str) -> bool:
    """A column or listing page rather than an article: ends in /, index_N.html, list.jsp, ?page=N."""
    parts = urlsplit(url)
    last = parts.path.rsplit("/", 1)[-1]
    return (
        parts.path.endswith("/") or bool(_LISTING_FILE.match(last)) or bool(_PAGE_QUERY.search(parts.query))
    )


def column_links(links: list[Link], page_url: str) -> list[Link]:
    """Links to the 年报 column or its sub-columns, on the same site."""
    found: list[Link] = []
    for link in links:
        if link.url == page_url or not same_site(link.url, page_url):
            continue
        segments = [segment for segment in urlsplit(link.url).path.split("/") if segment]
        by_segment = bool(segments) and bool(_COLUMN_SEGMENT.match(segments[-1])) and not compact(link.text)
        year_folder = is_year_column_title(link.text) and is_under(link.url, directory_of(page_url))
        if is_column_title(link.text) or by_segment or year_folder:
            found.append(link)
    return found


def is_column_segment(segment: str) -> bool:
    """A path segment naming a 年报 column: zfxxgknb, xxgknb_5784164, gknb, ndbg."""
    return bool(_COLUMN_SEGMENT.match(segment))


def hub_links(links: list[Link], page_url: str) -> list[Link]:
    """Links to the 政府信息公开 hub, where a home page does not link the 年报 column itself."""
    found: list[Link] = []
    for link in links:
        if link.url == page_url or not same_site(link.url, page_url):
            continue
        segments = [segment for segment in urlsplit(link.url).path.split("/") if segment]
        by_segment = len(segments) == 1 and bool(_HUB_SEGMENT.match(segments[0])) and not compact(link.text)
        if is_hub_title(link.text) or by_segment:
            found.append(link)
    return found


def _base_url(page: Selector, page_url: str) -> str:
    base = page.xpath("//base/@href").get()
    return urljoin(page_url, base.strip()) if base else page_url
