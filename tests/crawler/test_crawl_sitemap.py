"""A portal whose home page links nothing a crawler reads: the sitemap its robots.txt names leads
to the 年报 column, and the crawl finds every report there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.portals import PortalServer, build_sitemap_portal
from crawler.run import crawl
from crawler.summary import CrawlSummary
from govreports.settings import Settings


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PortalServer, CrawlSummary]]:
    root = tmp_path_factory.mktemp("sitemap")
    with PortalServer([build_sitemap_portal(seed=4, reports=6)]) as server:
        summary = crawl(Settings(data_dir=root / "data"), server.sites(), out=root / "out", polite=False)
        yield server, summary


def test_every_report_is_found_through_the_sitemap(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = crawled
    portal = server.portal("sitemap")
    home = portal.resolve("/")
    assert home is not None and portal.style.column_path not in home.body.decode()

    assert portal.truth().reports
    assert summary.urls("new") == portal.truth().reports


def test_the_sitemaps_are_read_and_nothing_they_list_is_fetched_blindly(
    crawled: tuple[PortalServer, CrawlSummary],
) -> None:
    server, _ = crawled
    portal = server.portal("sitemap")
    targets = [hit.target for hit in server.hits("sitemap")]
    noise = {portal.url(path) for path in targets} & portal.truth().noise

    assert {"/sitemap.xml", "/sitemap/zwgk.xml"} <= set(targets)
    assert not noise  # the news pages the sitemap lists are not columns
