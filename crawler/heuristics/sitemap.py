"""`sitemap.xml` discovery: the sitemaps robots.txt names, and the 年报 columns they list. Pure.

A portal whose menus are drawn by script links its 年报 column nowhere a crawler reads,
but its robots.txt may name a sitemap (`Sitemap: https://…/sitemap.xml`): a `<urlset>` of
page addresses, or a `<sitemapindex>` of further sitemaps. Sitemap entries carry no titles,
so only addresses shaped like a 年报 column are taken; the column is then walked as usual.

XML from strangers is read by Scrapy's `Sitemap` (lxml, `resolve_entities=False`, no DTD
loading, no network): an XXE payload's entities are never expanded nor fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.heuristics import gkmlpt
from crawler.heuristics.links import is_column_segment, looks_like_listing_url, same_site

# Hostile-input bounds: sitemaps taken from one robots.txt, bytes of one sitemap, entries read from it.
MAX_SITEMAPS = 20
MAX_SITEMAP_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 50_000  # the sitemaps.org limit for one file
_GZIP_MAGIC = b"\x1f\x8b"

SitemapKind = Literal["urlset", "sitemapindex"]


@dataclass(frozen=True)
class SitemapPage:
    """One sitemap file: a set of page addresses, or an index of further sitemaps."""

    kind: SitemapKind
    locations: list[str]


def sitemaps_in_robots(robots: bytes, robots_url: str) -> list[str]:
    """The sitemaps a robots.txt names on its own site, at most MAX_SITEMAPS."""
    found: list[str] = []
    for url in sitemap_urls_from_robots(robots[:MAX_SITEMAP_BYTES], base_url=robots_url):
        if _is_http(url) and same_site(url, robots_url) and url not in found:
            found.append(url)
            if len(found) == MAX_SITEMAPS:
                break
    return found


def read_sitemap(body: bytes) -> SitemapPage | None:
    """The kind and entries of a sitemap (`.xml` or `.xml.gz`); None if not one, or past the bounds."""
    if len(body) > MAX_SITEMAP_BYTES or not body.strip():
        return None
    try:
        if body.startswith(_GZIP_MAGIC):
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        sitemap = Sitemap(body)
        if sitemap.type not in ("urlset", "sitemapindex"):
            return None
        kind: SitemapKind = "urlset" if sitemap.type == "urlset" else "sitemapindex"
        locations: list[str] = []
        for entry in sitemap:
            locations.append(str(entry["loc"]))
            if len(locations) == MAX_ENTRIES:
                break
    except (etree.LxmlError, StopIteration, ValueError, OSError, EOFError):
        return None
    return SitemapPage(kind=kind, locations=locations)


def column_locations(page: SitemapPage, sitemap_url: str) -> list[str]:
    """The entries of a `<urlset>` on the sitemap's site that are shaped like a 年报 column."""
    if page.kind != "urlset":
        return []
    return [url for url in _on_site(page.locations, sitemap_url) if _looks_like_column(url)]


def nested_sitemaps(page: SitemapPage, sitemap_url: str) -> list[str]:
    """The sitemaps a `<sitemapindex>` names on its own site, at most MAX_SITEMAPS."""
    if page.kind != "sitemapindex":
        return []
    return _on_site(page.locations, sitemap_url)[:MAX_SITEMAPS]


def _looks_like_column(url: str) -> bool:
    if gkmlpt.is_index_url(url):
        return gkmlpt.category_of(url) is not None
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    folders = segments if urlsplit(url).path.endswith("/") else segments[:-1]
    return looks_like_listing_url(url) and any(is_column_segment(segment) for segment in folders)


def _on_site(urls: list[str], sitemap_url: str) -> list[str]:
    unique = dict.fromkeys(url.strip() for url in urls)
    return [url for url in unique if _is_http(url) and same_site(url, sitemap_url)]


def _is_http(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")
