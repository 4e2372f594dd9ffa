"""`--shard K/N`: a stable hash share of the portals' hosts, so N processes split them with no overlap."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.portals import Portal, PortalServer, build_portals
from crawler.sites import Shard, Site, site_host, sites_in_shard
from govreports.errors import ConfigError

Invoke = Callable[..., tuple[int, str, str]]  # the govreports_here fixture (tests/conftest.py)

def site(name: str, url: str) -> Site:
    return Site(name=name, start_urls=[url])


@pytest.mark.parametrize(("text", "index", "count"), [("1/1", 1, 1), ("2/4", 2, 4), (" 3 / 3 ", 3, 3)])
def test_a_shard_is_k_of_n(text: str, index: int, count: int) -> None:
    assert Shard.parse(text) == Shard(index=index, count=count)


@pytest.mark.parametrize("text", ["3/2", "0/0", "0/3", "a/b", "1", "1/2/3", "-1/2", "", "1/9999999"])
def test_a_bad_shard_is_one_clear_line(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Shard.parse(text)

    message = str(raised.value)
    assert message == f"--shard: expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}"
    assert "\n" not in message


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.gz.gov.cn/gzjy/gkmlpt/index#2639", "gz.gov.cn:443"),
        ("http://GZ.gov.cn/", "gz.gov.cn:80"),
        ("http://127.0.0.1:8081/zfxxgk/", "127.0.0.1:8081"),
    ],
)
def test_a_sites_host_is_its_name_and_port(url: str, host: str) -> None:
    assert site_host(site("s", url)) == host


def test_every_host_is_in_exactly_one_shard_and_its_sites_stay_together() -> None:
    sites = [site(f"s{index}", f"http://127.0.0.{index % 50}:{8000 + index % 7}/") for index in range(300)]
    for count in (1, 2, 3, 7):
        shares = [sites_in_shard(sites, Shard(index=index, count=count)) for index in range(1, count + 1)]
        names = [one.name for share in shares for one in share]
        assert sorted(names) == sorted(one.name for one in sites)  # no gap, no overlap
        hosts = [{site_host(one) for one in share} for share in shares]
        assert sum(len(share) for share in hosts) == len({site_host(one) for one in sites})


@pytest.mark.parametrize(
    ("host", "of_four", "of_seven"),
    [("gz.gov.cn:443", 3, 4), ("sz.gov.cn:443", 3, 6), ("127.0.0.1:8081", 1, 6)],
)
def test_the_share_is_the_same_on_every_machine(host: str, of_four: int, of_seven: int) -> None:
    # Pinned answers: the hash is SHA-256 of "name:port", never Python's per-process hash().
    assert [index for index in range(1, 5) if Shard(index=index, count=4).holds(host)] == [of_four]
    assert [index for index in range(1, 8) if Shard(index=index, count=7).holds(host)] == [of_seven]


@pytest.mark.parametrize("command", ["crawl", "watch"])
@pytest.mark.parametrize("text", ["3/2", "0/0", "a/b"])
def test_the_commands_refuse_a_bad_shard_in_one_line(govreports_here: Invoke, tmp_path: Path, command: str,
                                                     text: str) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")

    mode = "--once" if command == "watch" else "--no-polite"
    code, _, err = govreports_here(command, "--shard", text, mode, sites=sites)

    assert code == 1
    expected = f"error: --shard: expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}"
    assert err.strip().splitlines() == [expected]


def twenty_portals() -> list[Portal]:
    portals: list[Portal] = []
    for seed in range(5):
        for portal in build_portals(seed + 11, reports=2, slow_seconds=0.0):
            portal.name = f"{portal.name}-{seed}"
            portals.append(portal)
    return portals


@pytest.mark.slow
def test_two_shards_over_twenty_portals_find_every_report_and_share_no_host(
    govreports_here: Invoke, tmp_path: Path
) -> None:
    portals = twenty_portals()
    addresses = [f"127.0.3.{10 + index}" for index in range(len(portals))]  # each portal a host of its own
    with PortalServer(portals, addresses=addresses) as server:
        sites = tmp_path / "sites.toml"
        sites.write_text(
            "".join(f'[[site]]\nname = "{name}"\nstart_urls = ["{portal.home_url}"]\n'
                    for name, portal in server.portals.items()),
            encoding="utf-8",
        )
        hosts_by_shard: list[set[str]] = []
        found: set[str] = set()
        for shard in ("1/2", "2/2"):
            server.clear_hits()
            out = tmp_path / f"out-{shard.replace('/', 'of')}"
            code, stdout, err = govreports_here("crawl", "--shard", shard, "--out", str(out), "--no-polite",
                                         sites=sites)
            assert code == 0, err
            assert stdout.startswith(f"shard {shard}: ")
            hosts_by_shard.append({hit.portal for hit in server.hits()})
            found |= {
                json.loads(line)["provenance"]["url"]
                for written in out.glob("*.jsonl")
                for line in written.read_text(encoding="utf-8").splitlines()
            }
        truth = set().union(*(portal.truth().reports for portal in server.portals.values()))

    assert found == truth
    assert hosts_by_shard[0] and hosts_by_shard[1]
    assert not hosts_by_shard[0] & hosts_by_shard[1]
    assert hosts_by_shard[0] | hosts_by_shard[1] == set(server.portals)
    assert len({portal.base_url.split(":")[1] for portal in portals}) == len(portals)


def test_an_empty_shard_stops_watch_and_crawl_says_so(govreports_here: Invoke, tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    empty = next(f"{index}/2" for index in (1, 2) if not Shard(index=index, count=2).holds("127.0.0.1:9"))

    watch_code, _, watch_err = govreports_here("watch", "--once", "--shard", empty, sites=sites)
    crawl_code, crawl_out, _ = govreports_here("crawl", "--shard", empty, "--no-polite", sites=sites)

    refused = f"error: shard {empty} holds none of the 1 configured site(s)"
    assert (watch_code, watch_err.strip()) == (1, refused)
    assert (crawl_code, crawl_out.strip()) == (0, f"shard {empty}: 0 of 1 site(s)")
