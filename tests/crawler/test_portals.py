"""The fixture portal server itself: deterministic, mutable, honest about conditional requests."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from crawler.portals import Portal, PortalServer, build_portals
from crawler.portals.catalog import HUGE_BYTES


@pytest.fixture(scope="module")
def server() -> Iterator[PortalServer]:
    with PortalServer.fixture(seed=7, reports=4, rough=True, hang_seconds=3, slow_seconds=0.3) as running:
        yield running


def get(portal: Portal, target: str, headers: dict[str, str] | None = None,
        timeout: float = 5) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(portal.base_url).port, timeout=timeout)
    connection.request("GET", target, headers=headers or {})
    return connection.getresponse()


def test_the_same_seed_builds_the_same_portals() -> None:
    first, second = build_portals(7, reports=4), build_portals(7, reports=4)
    assert [[(e.key, e.title, e.detail_path) for e in p.entries] for p in first] == \
           [[(e.key, e.title, e.detail_path) for e in p.entries] for p in second]
    report = next(e for e in first[0].entries if e.kind == "report")
    assert first[0].document_bytes(report) == second[0].document_bytes(report)
    assert [[e.title for e in p.entries] for p in build_portals(8, reports=4)] != \
           [[e.title for e in p.entries] for p in first]


@pytest.mark.parametrize("name", ["trs", "nextlink", "query", "gbk"])
def test_each_portal_has_reports_noise_and_traps(server: PortalServer, name: str) -> None:
    truth = server.portal(name).truth()
    assert len(truth.reports) == 4
    assert len(truth.noise) == 7
    assert len(truth.disallowed) == len(truth.broken) == 1
    assert truth.reports.isdisjoint(truth.noise | truth.disallowed | truth.broken)


def test_home_page_links_the_column(server: PortalServer) -> None:
    portal = server.portal("query")
    body = get(portal, "/").read().decode()
    assert f'href="{portal.style.listing_path(0)}">年度报告<' in body


def test_robots_txt_disallows_the_hidden_report(server: PortalServer) -> None:
    portal = server.portal("trs")
    robots = get(portal, "/robots.txt").read().decode()
    (hidden,) = portal.truth().disallowed
    assert f"Disallow: {portal.style.disallowed_prefix}" in robots
    assert urlsplit(hidden).path.startswith(portal.style.disallowed_prefix)


def test_documents_answer_conditional_requests(server: PortalServer) -> None:
    portal = server.portal("nextlink")
    entry = next(e for e in portal.entries if e.kind == "report" and e.attachment_path is None and not e.slow)
    first = get(portal, entry.detail_path)
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert first.status == 200 and etag and modified
    assert get(portal, entry.detail_path, {"If-None-Match": etag}).status == 304
    assert get(portal, entry.detail_path, {"If-Modified-Since": modified}).status == 304
    assert get(portal, entry.detail_path, {"If-None-Match": '"other"'}).status == 200


def test_a_revision_changes_bytes_and_validators(server: PortalServer) -> None:
    portal = server.portal("query")
    entry = next(e for e in portal.entries if e.kind == "report" and e.attachment_path is not None)
    before = get(portal, entry.document_path)
    old_body, old_etag = before.read(), before.getheader("ETag")
    portal.revise(entry.key)
    after = get(portal, entry.document_path, {"If-None-Match": old_etag or ""})
    assert after.status == 200
    assert after.read() != old_body
    assert after.getheader("ETag") != old_etag


def test_an_added_report_heads_the_listing(server: PortalServer) -> None:
    portal = server.portal("gbk")
    entry = portal.add_report()
    first_page = get(portal, portal.style.listing_path(0))
    assert first_page.getheader("Content-Type") == "text/html"  # charset only in the page's <meta>
    listing = first_page.read().decode("gbk")
    assert entry.title in listing
    assert portal.url(entry.document_path) in portal.truth().reports


def test_redirects_404s_and_slow_pages(server: PortalServer) -> None:
    portal = server.portal("trs")
    redirected = next(e for e in portal.entries if e.link_path != e.detail_path)
    moved = get(portal, redirected.link_path)
    assert (moved.status, moved.getheader("Location")) == (301, portal.url(redirected.detail_path))
    (broken,) = portal.truth().broken
    assert get(portal, urlsplit(broken).path).status == 404
    slow = next(e for e in portal.entries if e.slow)
    started = time.monotonic()
    assert get(portal, slow.detail_path).status == 200
    assert time.monotonic() - started >= 0.3


def test_the_server_counts_every_request(server: PortalServer) -> None:
    portal = server.portal("nextlink")
    before = len(server.hits("nextlink"))
    get(portal, "/").read()
    get(portal, "/no/such/page").read()
    hits = server.hits("nextlink")[before:]
    assert [(hit.target, hit.status) for hit in hits] == [("/", 200), ("/no/such/page", 404)]


def misbehaving(server: PortalServer, behaviour: str) -> str:
    portal = server.portal("rough")
    entry = next(e for e in portal.entries if e.behaviour == behaviour)
    return entry.document_path


def test_rough_portal_errors(server: PortalServer) -> None:
    portal = server.portal("rough")
    assert get(portal, misbehaving(server, "error")).status == 500
    assert portal.failing_column is not None and get(portal, portal.failing_column).status == 500


def test_rough_portal_resets_connections(server: PortalServer) -> None:
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(server.portal("rough"), misbehaving(server, "reset"))


def test_rough_portal_hangs(server: PortalServer) -> None:
    with pytest.raises((TimeoutError, socket.timeout)):
        get(server.portal("rough"), misbehaving(server, "hang"), timeout=0.5)


def test_rough_portal_streams_a_huge_attachment_without_holding_it(server: PortalServer) -> None:
    answer = get(server.portal("rough"), misbehaving(server, "huge"))
    assert answer.status == 200
    assert int(answer.getheader("Content-Length") or 0) == HUGE_BYTES
    assert answer.read(1024 * 1024).startswith(b"%PDF")
    answer.close()  # the server stops streaming when the client leaves


def test_rough_portal_serves_invalid_bytes(server: PortalServer) -> None:
    portal = server.portal("rough")
    corrupt = next(e for e in portal.entries if e.corrupt)
    body = get(portal, corrupt.detail_path).read()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
