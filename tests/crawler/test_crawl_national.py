"""Crawling many portals in one cycle: polite per host, imported as fetched, each site counted apart,
and shards that split the hosts with no overlap."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.portals import PortalServer
from crawler.portals.many import build_many_portals, loopback_addresses
from crawler.run import crawl
from crawler.sites import Politeness, Shard, Site, host_allowances, parse_sites, sites_in_shard
from govreports.errors import ConfigError
from govreports.settings import Settings
from indexer.limits import ParseLimits, TaskFeed, run_limited


class _Silent:
    """A host that accepts connections and never answers: a portal that hangs."""

    def __init__(self, address: str) -> None:
        self.listener = socket.create_server((address, 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://{address}:{self.port}/"
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.held.append(connection)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        for connection in self.held:
            connection.close()
        self.listener.close()


@pytest.fixture
def silent() -> Iterator[_Silent]:
    host = _Silent("127.9.0.1")
    yield host
    host.close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_portal_that_hangs_delays_no_other_portals_indexing(silent: _Silent, tmp_path: Path) -> None:
    portals = build_many_portals(2, seed=11, reports=3, pages_only=True)
    with PortalServer(portals, addresses=loopback_addresses(2)) as server:
        sites = [*server.sites(), Site(name="hanging", start_urls=[silent.url])]
        started = time.time()
        summary = crawl(Settings(data_dir=tmp_path / "data"), sites, out=tmp_path / "out", polite=False,
                        overrides={"DOWNLOAD_TIMEOUT": 15})
        ended = time.time()
        written = {portal.name: (tmp_path / "out" / f"{portal.name}.jsonl").stat().st_mtime
                   for portal in portals}
        truth = {url for portal in portals for url in portal.truth().reports}
    assert summary.urls("new") == truth
    # The hanging host held the crawl open for its timeouts; the other portals' reports were
    # written long before it let go, not after the whole fetch.
    assert ended - started > 25
    assert all(at < ended - 10 for at in written.values()), (written, ended)
    by_site = {part.name: part for part in summary.sites}
    assert by_site["hanging"].error is not None and by_site["hanging"].report_links == 0
    assert all(by_site[portal.name].seconds < by_site["hanging"].seconds - 10 for portal in portals)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_the_summary_counts_each_sites_reports(tmp_path: Path) -> None:
    portals = build_many_portals(4, seed=12, reports=2, pages_only=True)
    portals[1].add_report()  # a portal with more reports than the others
    portals[1].add_report()
    with PortalServer(portals, addresses=loopback_addresses(4)) as server:
        summary = crawl(Settings(data_dir=tmp_path / "data"), server.sites(), out=tmp_path / "out",
                        polite=False)
        truth = {portal.name: portal.truth().reports for portal in portals}
    by_site = {part.name: part for part in summary.sites}
    for name, reports in truth.items():
        found = {document.url for document in summary.documents if document.site == name}
        assert found == reports
        assert (by_site[name].new, by_site[name].failed) == (len(reports), 1)  # its one broken link
        assert by_site[name].report_links >= len(reports) and by_site[name].seconds > 0
    lines = summary.lines()
    assert all(any(line.startswith(f"  {name}: ") and f"{len(truth[name])} new" in line for line in lines)
               for name in truth)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_shards_find_every_report_and_share_no_host(tmp_path: Path) -> None:
    portals = build_many_portals(20, seed=13, reports=2, pages_only=True)
    with PortalServer(portals, addresses=loopback_addresses(20)) as server:
        found: set[str] = set()
        hosts: list[set[str]] = []
        for index in (1, 2):
            held = sites_in_shard(server.sites(), Shard(index=index, count=2))
            server.clear_hits()
            summary = crawl(Settings(data_dir=tmp_path / f"data{index}"), held, out=tmp_path / f"out{index}",
                            polite=False)
            found |= summary.urls("new")
            hosts.append({hit.portal for hit in server.hits()})
            assert hosts[-1] == {site.name for site in held}
        truth = {url for portal in portals for url in portal.truth().reports}
    assert found == truth
    assert hosts[0] and hosts[1] and not hosts[0] & hosts[1]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_polite_crawl_waits_a_second_between_requests_to_each_host(tmp_path: Path) -> None:
    portals = build_many_portals(3, seed=14, reports=2, pages_only=True)
    with PortalServer(portals, addresses=loopback_addresses(3), latency=(0.05, 0.3)) as server:
        sites = server.sites()
        # A department on the first portal's host, from its own start page: it shares the host's allowance.
        shared = Site(name="department", start_urls=[portals[0].url(portals[0].style.hub_path)])
        summary = crawl(Settings(data_dir=tmp_path / "data"), [*sites, shared], out=tmp_path / "out")
        violations = server.violations()
        requests = len(server.hits())
    assert violations == []
    assert requests > 20  # robots.txt, listings, details: each one at least a second after the last
    truth = {url for portal in portals for url in portal.truth().reports}
    assert summary.urls("new") >= truth


def test_sites_on_one_host_share_its_strictest_allowance() -> None:
    sites = parse_sites(
        [
            {"name": "county", "start_urls": ["http://gov.example.cn/"], "politeness": {"delay": 2}},
            {"name": "bureau", "start_urls": ["http://gov.example.cn/jyj/"],
             "politeness": {"concurrency": 2}},
            {"name": "other", "start_urls": ["https://other.example.cn:8443/"]},
        ],
        origin="sites.toml",
    )
    assert host_allowances(sites) == {
        "gov.example.cn:80": Politeness(concurrency=1, delay=2.0),
        "other.example.cn:8443": Politeness(concurrency=1, delay=1.0),
    }


def test_a_site_cannot_ask_for_less_than_the_one_second_floor() -> None:
    with pytest.raises(ConfigError, match=r"politeness\.delay"):
        parse_sites([{"name": "x", "start_urls": ["http://a.cn/"], "politeness": {"delay": 0.2}}], origin="s")


def _double(task: int, announce: object) -> int:
    return 2 * task


@pytest.mark.timeout(120)
def test_parse_workers_take_tasks_as_they_arrive() -> None:
    feed: TaskFeed[int] = TaskFeed()
    results = run_limited(_double, feed, limits=ParseLimits(), workers=1)
    feed.put(1)
    first = next(results)  # handed back before the feed is closed or has more
    feed.put(2)
    feed.put(3)
    feed.close()
    assert [first.value, *(finished.value for finished in results)] == [2, 4, 6]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_unchanged_portal_costs_its_listing_pages(tmp_path: Path) -> None:
    portals = build_many_portals(2, seed=15, reports=3, pages_only=True)
    settings = Settings(data_dir=tmp_path / "data", crawl_recheck_hours=6)
    with PortalServer(portals, addresses=loopback_addresses(2)) as server:
        crawl(settings, server.sites(), out=tmp_path / "out", polite=False)
        server.clear_hits()
        again = crawl(settings, server.sites(), out=tmp_path / "out", polite=False)
        asked = {hit.target for hit in server.hits()}
        documents = {path for portal in portals for path in portal.truth().document_paths}
    assert (again.new, again.unchanged) == (0, 6)
    assert asked and not asked & documents  # listings (and robots.txt) only
