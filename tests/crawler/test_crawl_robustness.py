"""A portal that misbehaves — 500s, a hang, a reset, a 300 MB attachment, invalid bytes — neither stops
nor crashes the crawl, and every case shows up in the crawl's summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.portals import Portal, PortalServer, build_rough_portal
from crawler.run import crawl
from crawler.summary import CrawlSummary, Problem
from govreports.settings import Settings

# A short timeout (the hang costs (1 + RETRY_TIMES) × DOWNLOAD_TIMEOUT seconds), yet long enough
# that a busy shared machine does not time out the good pages too.
OVERRIDES = {"DOWNLOAD_TIMEOUT": 3, "RETRY_TIMES": 1}


@pytest.fixture(scope="module")
def rough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PortalServer, CrawlSummary]]:
    root = tmp_path_factory.mktemp("rough")
    with PortalServer([build_rough_portal(seed=5)], hang_seconds=10) as server:
        summary = crawl(Settings(data_dir=root / "data"), server.sites(), out=root / "out", polite=False,
                        overrides=OVERRIDES)
        yield server, summary


def problem(summary: CrawlSummary, portal: Portal, behaviour: str) -> Problem:
    entry = next(e for e in portal.entries if e.behaviour == behaviour)
    url = portal.url(entry.document_path)
    (found,) = [p for p in summary.problems if p.url == url]
    return found


def test_the_good_reports_still_come_through(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    truth = server.portal("rough").truth()
    assert summary.urls("new") == truth.reports
    assert summary.failed == len(truth.failing) == 4  # the 500, the hang, the reset, the oversized attachment


def test_a_500_is_retried_then_reported(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    portal = server.portal("rough")
    found = problem(summary, portal, "error")
    assert (found.kind, found.reason) == ("document", "HTTP 500")
    path = next(e for e in portal.entries if e.behaviour == "error").detail_path
    assert [hit.status for hit in server.hits("rough") if hit.target == path] == [500, 500]


def test_a_listing_answering_500_is_reported(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    portal = server.portal("rough")
    assert Problem(site="rough", url=portal.url(portal.failing_column or ""), kind="listing",
                   reason="HTTP 500") in summary.problems


def test_a_hanging_page_times_out(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    portal = server.portal("rough")
    hang = problem(summary, portal, "hang")
    assert hang.reason == "timed out"
    assert hang.title == next(e.title for e in portal.entries if e.behaviour == "hang")  # named for the user


def test_a_reset_connection_is_reported(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    assert "Connection" in problem(summary, server.portal("rough"), "reset").reason


def test_a_300_mb_attachment_is_refused_unread(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    portal = server.portal("rough")
    found = problem(summary, portal, "huge")
    assert found.reason.startswith("refused:")
    assert "larger than download max size" in found.reason
    path = next(e for e in portal.entries if e.behaviour == "huge").document_path
    assert [hit.target for hit in server.hits("rough")].count(path) == 1  # not retried


def test_invalid_bytes_are_reported_and_the_page_still_used(rough: tuple[PortalServer, CrawlSummary]) -> None:
    server, summary = rough
    portal = server.portal("rough")
    corrupt = portal.url(next(e for e in portal.entries if e.corrupt).detail_path)
    flagged = {p.url for p in summary.problems if p.kind == "encoding"}
    assert flagged == {corrupt, portal.url(portal.style.listing_path(0))}
    assert corrupt in summary.urls("new")
