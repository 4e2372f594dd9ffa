"""Whole crawls against the fixture portals on 127.0.0.1: recall, precision, provenance, increments.

Every crawl here is real: Scrapy in its child process, the portal server counting
requests, the real parser, JSON Lines out. Politeness is off (no delays), robots.txt is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.portals import PortalServer, build_portals
from crawler.run import crawl
from crawler.sites import site_for_start_url
from crawler.summary import CrawlSummary
from govreports.archive import Archive
from govreports.settings import Settings

PORTALS = ["trs", "nextlink", "query", "gbk"]
REPORTS_PER_PORTAL = 4


def recall_precision(found: set[str], truth: frozenset[str]) -> tuple[float, float]:
    hits = len(found & truth)
    return hits / len(truth), (hits / len(found) if found else 0.0)


def jsonl(out: Path, site: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / f"{site}.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def server() -> Iterator[PortalServer]:
    with PortalServer.fixture(seed=11, reports=REPORTS_PER_PORTAL) as running:
        yield running


@pytest.fixture(scope="module")
def configured(server: PortalServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[CrawlSummary, Path]:
    """One crawl of the four portals as configured sites, started from their home pages."""
    root = tmp_path_factory.mktemp("configured")
    settings = Settings(data_dir=root / "data")
    return crawl(settings, server.sites(), out=root / "out", polite=False), root


@pytest.fixture(scope="module")
def discovered(server: PortalServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlSummary:
    """One crawl from the bare home-page URLs, as `--start-url` does."""
    root = tmp_path_factory.mktemp("discovered")
    sites = [site_for_start_url(server.portal(name).home_url) for name in PORTALS]
    return crawl(Settings(data_dir=root / "data"), sites, out=root / "out", polite=False)


@pytest.mark.parametrize("name", PORTALS)
def test_a_configured_crawl_finds_every_report_and_nothing_else(
    configured: tuple[CrawlSummary, Path], server: PortalServer, name: str
) -> None:
    summary, _ = configured
    found = {document.url for document in summary.documents if document.site == name}
    recall, precision = recall_precision(found, server.portal(name).truth().reports)
    assert (recall, precision) == (1.0, 1.0)
    assert {d.status for d in summary.documents if d.site == name} == {"new"}


@pytest.mark.parametrize("name", PORTALS)
def test_a_start_url_crawl_discovers_the_column_and_finds_every_report(
    discovered: CrawlSummary, server: PortalServer, name: str
) -> None:
    site = site_for_start_url(server.portal(name).home_url).name
    found = {document.url for document in discovered.documents if document.site == site}
    recall, precision = recall_precision(found, server.portal(name).truth().reports)
    assert (recall, precision) == (1.0, 1.0)


def test_pdf_and_docx_attachments_are_reports_too(configured: tuple[CrawlSummary, Path]) -> None:
    _, root = configured
    formats = {report["format"] for report in jsonl(root / "out", "trs")}
    assert formats == {"html", "pdf", "docx"}


def test_every_request_says_who_is_crawling(
    configured: tuple[CrawlSummary, Path], server: PortalServer
) -> None:
    agents = {hit.user_agent for name in PORTALS for hit in server.hits(name)}
    assert agents == {Settings().user_agent}
    assert "+https://" in Settings().user_agent  # a contact URL


@pytest.mark.parametrize("name", PORTALS)
def test_noise_and_robots_disallowed_pages_are_never_requested(
    configured: tuple[CrawlSummary, Path], server: PortalServer, name: str
) -> None:
    truth = server.portal(name).truth()
    requested = {server.portal(name).url(hit.target) for hit in server.hits(name)}
    assert requested.isdisjoint(truth.noise)
    assert requested.isdisjoint(truth.disallowed)
    summary, _ = configured
    assert {p.url for p in summary.problems if p.kind == "robots" and p.site == name} == truth.disallowed


def test_broken_links_are_failures_in_the_summary(
    configured: tuple[CrawlSummary, Path], server: PortalServer
) -> None:
    summary, _ = configured
    broken = {url for name in PORTALS for url in server.portal(name).truth().broken}
    assert {p.url for p in summary.problems if p.reason == "HTTP 404"} == broken
    assert summary.failed == len(broken)
    assert summary.new == len(PORTALS) * REPORTS_PER_PORTAL
    assert summary.errors == []
    assert "reports: 16 new, 0 revised, 0 unchanged, 4 failed" in summary.lines()


def test_every_report_carries_its_provenance_and_its_bytes_are_archived(
    configured: tuple[CrawlSummary, Path], server: PortalServer
) -> None:
    _, root = configured
    portal = server.portal("trs")
    redirected = next(entry for entry in portal.entries if entry.link_path != entry.detail_path)
    reports = {report["source_url"]: report for report in jsonl(root / "out", "trs")}
    report = reports[portal.url(redirected.document_path)]
    provenance = report["provenance"]
    assert provenance["url"] == portal.url(redirected.link_path)
    assert provenance["final_url"] == portal.url(redirected.detail_path)
    assert provenance["http_status"] == 200
    assert provenance["etag"] and provenance["last_modified"] and provenance["content_type"]
    assert provenance["listing_title"] == redirected.title
    assert provenance["listing_date"] == redirected.published.isoformat()
    assert urlsplit(str(provenance["listing_url"])).path.startswith(portal.style.column_path)
    assert report["source_site"] == "trs"
    assert report["region"] == portal.region.model_dump()
    archive = Archive(root / "data")
    assert len(archive.read_bytes(str(report["content_sha256"]))) > 1000
    assert {document.source_url for document in archive.latest()} >= set(reports)


def test_gbk_pages_are_read_as_gbk(configured: tuple[CrawlSummary, Path], server: PortalServer) -> None:
    _, root = configured
    titles = {report["provenance"]["listing_title"] for report in jsonl(root / "out", "gbk")}
    assert titles == {entry.title for entry in server.portal("gbk").entries if entry.kind == "report"}


def test_recrawling_fetches_only_what_is_new_or_changed(tmp_path: Path) -> None:
    with PortalServer.fixture(seed=13, reports=4) as server:
        portal = server.portal("trs")
        settings, out = Settings(data_dir=tmp_path / "data"), tmp_path / "out"
        first = crawl(settings, [portal.site()], out=out, polite=False)
        assert (first.new, first.revised, first.unchanged) == (4, 0, 0)

        server.clear_hits()
        second = crawl(settings, [portal.site()], out=out, polite=False)
        documents = portal.truth().document_paths
        asked = [hit for hit in server.hits("trs") if hit.target in documents]
        assert asked and all(hit.status == 304 and hit.conditional for hit in asked)
        assert (second.new, second.revised, second.unchanged) == (0, 0, 4)

        added = portal.add_report("html")
        revised = next(e for e in portal.entries if e.kind == "report" and e.attachment_path and not e.slow)
        portal.revise(revised.key)
        server.clear_hits()
        third = crawl(settings, [portal.site()], out=out, polite=False)
        fetched = {hit.target for hit in server.hits("trs") if hit.status == 200 and hit.target in
                   portal.truth().document_paths}
        assert fetched == {added.detail_path, revised.document_path}
        assert (third.new, third.revised, third.unchanged) == (1, 1, 3)
        assert third.urls("new") == {portal.url(added.document_path)}
        assert third.urls("revised") == {portal.url(revised.document_path)}
        assert len(jsonl(out, "trs")) == 6  # four, then the new one and the revision


def test_a_portal_ignoring_conditional_requests_costs_bytes_but_not_revisions(tmp_path: Path) -> None:
    with PortalServer([build_portals(19, reports=2)[1]]) as server:
        portal = server.portal("nextlink")
        portal.honours_conditional = False
        settings, out = Settings(data_dir=tmp_path / "data"), tmp_path / "out"
        first = crawl(settings, server.sites(), out=out, polite=False)
        server.clear_hits()
        second = crawl(settings, server.sites(), out=out, polite=False)
    refetched = {hit.target for hit in server.hits("nextlink") if hit.status == 200}
    assert {portal.url(path) for path in refetched} >= portal.truth().reports  # the bytes came again …
    assert (first.new, second.new, second.revised, second.unchanged) == (2, 0, 0, 2)  # … the same hash
