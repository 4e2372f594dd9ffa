"""A 大汉 JCMS portal: the column shows its first records in a datastore script, the rest come
only from POSTs to its feed; the crawl finds every report and only the reports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.portals import PortalServer, build_jcms_portal
from crawler.run import crawl
from crawler.summary import CrawlSummary
from govreports.settings import Settings

FEED_PATH = "/module/web/jpage/dataproxy.jsp"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PortalServer, CrawlSummary]]:
    root = tmp_path_factory.mktemp("jcms")
    with PortalServer([build_jcms_portal(seed=3, reports=9)]) as server:
        summary = crawl(Settings(data_dir=root / "data"), server.sites(), out=root / "out", polite=False)
        yield server, summary


def test_every_report_is_found_through_the_feed(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = crawled
    portal = server.portal("jcms")
    column = portal.resolve(portal.style.listing_path(0))
    assert column is not None
    truth = portal.truth()
    # Most reports are not on the column page: only the feed lists them.
    assert sum(path in column.body.decode() for path in truth.document_paths) < len(truth.reports)

    assert summary.urls("new") == truth.reports


def test_the_feed_is_asked_by_post_with_the_column_fields(crawled: tuple[PortalServer, CrawlSummary]) -> None:
    server, _ = crawled
    feed_hits = [hit for hit in server.hits("jcms") if hit.target.startswith(FEED_PATH)]

    assert feed_hits
    assert {(hit.method, hit.status) for hit in feed_hits} == {("POST", 200)}  # 404 without the column id
