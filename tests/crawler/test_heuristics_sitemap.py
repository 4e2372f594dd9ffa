"""Reading robots.txt sitemaps and the 年报 columns they list; XML from strangers read safely. Pure."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from crawler.heuristics.sitemap import (
    MAX_SITEMAP_BYTES,
    MAX_SITEMAPS,
    SitemapPage,
    column_locations,
    nested_sitemaps,
    read_sitemap,
    sitemaps_in_robots,
)

HOST = "https://www.example.gov.cn"
ROBOTS = f"{HOST}/robots.txt"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*locations: str) -> bytes:
    entries = "".join(f"<url><loc>{url}</loc><lastmod>2024-01-05</lastmod></url>" for url in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{entries}</urlset>'.encode()


def test_robots_names_its_own_sites_sitemaps() -> None:
    robots = (
        b"User-agent: *\nDisallow: /search\n"
        b"Sitemap: https://www.example.gov.cn/sitemap.xml\n"
        b"sitemap: /sitemap/zwgk.xml\n"
        b"Sitemap: https://elsewhere.example/sitemap.xml\n"
        b"Sitemap: ftp://www.example.gov.cn/sitemap.xml\n"
        b"Sitemap: https://www.example.gov.cn/sitemap.xml\n"
    )

    assert sitemaps_in_robots(robots, ROBOTS) == [f"{HOST}/sitemap.xml", f"{HOST}/sitemap/zwgk.xml"]


def test_robots_naming_thousands_of_sitemaps_gives_the_first_few() -> None:
    robots = b"".join(f"Sitemap: /s{index}.xml\n".encode() for index in range(10_000))

    assert len(sitemaps_in_robots(robots, ROBOTS)) == MAX_SITEMAPS


@pytest.mark.parametrize(
    ("location", "taken"),
    [
        (f"{HOST}/zfxxgk/zfxxgknb/", True),
        (f"{HOST}/zwgk/ndbg/index.html", True),
        (f"{HOST}/xxgk/xxgknb_5784164/index_2.html", True),
        (f"{HOST}/gzjy/gkmlpt/index#2639", True),
        (f"{HOST}/gzjy/gkmlpt/index", False),
        (f"{HOST}/zfxxgk/zfxxgknb/202301/t20230105_1.html", False),  # an article: no title to judge
        (f"{HOST}/xwzx/index.html", False),
        ("https://elsewhere.example/zfxxgk/zfxxgknb/", False),
        ("javascript:void(0)", False),
    ],
)
def test_only_column_shaped_entries_on_the_site_are_taken(location: str, taken: bool) -> None:
    page = read_sitemap(urlset(location.replace("&", "&amp;")))
    assert page is not None

    assert column_locations(page, f"{HOST}/sitemap.xml") == ([location] if taken else [])


def test_a_sitemap_index_leads_to_its_sites_sitemaps() -> None:
    body = (
        f'<?xml version="1.0"?><sitemapindex {NS}><sitemap><loc>{HOST}/sitemap/zwgk.xml</loc></sitemap>'
        "<sitemap><loc>https://elsewhere.example/s.xml</loc></sitemap></sitemapindex>"
    ).encode()

    page = read_sitemap(body)

    assert page == SitemapPage("sitemapindex", [f"{HOST}/sitemap/zwgk.xml", "https://elsewhere.example/s.xml"])
    assert nested_sitemaps(page, f"{HOST}/sitemap.xml") == [f"{HOST}/sitemap/zwgk.xml"]
    assert column_locations(page, f"{HOST}/sitemap.xml") == []


def test_a_gzipped_sitemap_is_read() -> None:
    assert read_sitemap(gzip.compress(urlset(f"{HOST}/zfxxgk/zfxxgknb/"))) == SitemapPage(
        "urlset", [f"{HOST}/zfxxgk/zfxxgknb/"]
    )


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>404</body></html>", b"not xml at all", b"\x1f\x8bnot gzip", b"<rss><channel/></rss>"],
)
def test_what_is_not_a_sitemap_is_none(body: bytes) -> None:
    assert read_sitemap(body) is None


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<urlset {NS}><url><loc>{HOST}/zfxxgk/zfxxgknb/&xxe;</loc></url></urlset>"
    ).encode()

    page = read_sitemap(body)

    assert page is None or not any("TOP-SECRET" in location for location in page.locations)


@pytest.mark.timeout(10)
def test_an_entity_bomb_is_read_in_bounded_time() -> None:
    entities = "".join(
        f'<!ENTITY e{level} "{f"&e{level - 1};" * 10 if level else "ha" * 10}">' for level in range(10)
    )
    doctype = f"<!DOCTYPE urlset [{entities}]>"
    body = f'<?xml version="1.0"?>{doctype}<urlset {NS}><url><loc>&e9;</loc></url></urlset>'
    started = time.process_time()

    page = read_sitemap(body.encode())

    assert page is None or all(len(location) < 10_000 for location in page.locations)
    assert time.process_time() - started < 5


@pytest.mark.timeout(10)
def test_oversized_sitemaps_are_refused_and_gzip_bombs_stop_at_the_cap() -> None:
    started = time.process_time()

    assert read_sitemap(b" " * (MAX_SITEMAP_BYTES + 1)) is None
    assert read_sitemap(gzip.compress(b" " * (4 * MAX_SITEMAP_BYTES))) is None
    assert time.process_time() - started < 5
