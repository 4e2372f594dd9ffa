"""A Guangdong gkmlpt catalogue: a script column page, a JSON item API that wants the page's SID,
details naming their attachment only in `window._CONFIG`; the crawl finds every report and only those."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.portals import PortalServer, build_gkmlpt_portal
from crawler.run import crawl
from crawler.sites import Site
from crawler.summary import CrawlSummary
from govreports.settings import Settings

API_PATH = "/gzjy/gkmlpt/api/all/2639"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PortalServer, CrawlSummary]]:
    root = tmp_path_factory.mktemp("gkmlpt")
    with PortalServer([build_gkmlpt_portal(seed=5, reports=9)]) as server:
        summary = crawl(Settings(data_dir=root / "data"), server.sites(), out=root / "out", polite=False)
        yield server, summary


def test_every_report_is_found_through_the_item_api(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = crawled
    portal = server.portal("gkmlpt")
    column = portal.resolve("/gzjy/gkmlpt/index")
    assert column is not None
    truth = portal.truth()
    # The column page names no report: only the API lists them.
    assert not any(path in column.body.decode() for path in truth.document_paths)

    assert summary.urls("new") == truth.reports


def test_both_detail_variants_and_config_attachments_are_served(
    crawled: tuple[PortalServer, CrawlSummary],
) -> None:
    server, _ = crawled
    truth = server.portal("gkmlpt").truth()
    paths = truth.document_paths

    assert any("/post_" in path for path in paths) and any("/mpost_" in path for path in paths)
    assert any("/gzjy/attachment/" in url for url in truth.reports)


def test_the_api_is_asked_with_the_sid_for_every_page(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, _ = crawled
    portal = server.portal("gkmlpt")
    api_hits = [hit for hit in server.hits("gkmlpt") if hit.target.startswith(API_PATH)]
    pages = -(-len(portal.entries) // portal.page_size)

    assert sorted(hit.target for hit in api_hits) == sorted(
        f"{API_PATH}?page={page}&sid=755031" for page in range(1, pages + 1)
    )
    assert {hit.status for hit in api_hits} == {200}


def test_noise_and_disallowed_items_are_never_fetched(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, _ = crawled
    portal = server.portal("gkmlpt")
    truth = portal.truth()
    fetched = {portal.url(hit.target) for hit in server.hits("gkmlpt")}

    assert not fetched & (truth.noise | truth.disallowed)


def test_a_column_configured_as_the_start_url_is_read_through_its_api(tmp_path: Path) -> None:
    with PortalServer([build_gkmlpt_portal(seed=6, reports=4)]) as server:
        portal = server.portal("gkmlpt")
        column = Site(name="gzjy", start_urls=[portal.url("/gzjy/gkmlpt/index#2639")])
        summary = crawl(Settings(data_dir=tmp_path / "data"), [column], out=tmp_path / "out", polite=False)
        fetched = [hit.target for hit in server.hits("gkmlpt")]

    assert summary.urls("new") == portal.truth().reports
    assert "/" not in fetched  # straight to the column: no home page, no hub
