"""The crawl state in Elasticsearch: what shards share (validators, hashes, deliveries), not a SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.portals import Portal, PortalServer, build_portals
from crawler.run import crawl
from crawler.sites import Shard, Site, sites_in_shard
from crawler.state import STATE_FILE, CrawlState
from crawler.state_es import (
    EsCrawlState,
    EsStateTarget,
    crawl_state_index,
    fetched_id,
    import_sqlite_once,
    prepare_state_index,
)
from crawler.summary import CrawlSummary
from govreports.errors import GovreportsError
from govreports.settings import Settings

T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def portals_on_hosts(count_per_seed: int = 4, seeds: int = 2) -> tuple[list[Portal], list[str]]:
    portals: list[Portal] = []
    for seed in range(seeds):
        for portal in build_portals(seed + 31, reports=2, slow_seconds=0.0)[:count_per_seed]:
            portal.name = f"{portal.name}-{seed}"
            portals.append(portal)
    return portals, [f"127.0.4.{10 + index}" for index in range(len(portals))]


def crawl_in_shards(settings: Settings, client: Elasticsearch, sites: list[Site],
                    count: int) -> list[CrawlSummary]:
    summaries = []
    for index in range(1, count + 1):
        share = sites_in_shard(sites, Shard(index=index, count=count))
        if share:
            summaries.append(crawl(settings, share, es_client=client, polite=False))
    return summaries


def indexed_urls(client: Elasticsearch, index: str) -> list[str]:
    client.indices.refresh(index=index)
    hits = client.search(index=index, size=1000, source_includes=["source_url"])["hits"]["hits"]
    return [hit["_source"]["source_url"] for hit in hits]


def state_of(settings: Settings, client: Elasticsearch, data_dir: Path) -> EsCrawlState:
    target = EsStateTarget.of(settings)
    prepare_state_index(client, target, data_dir)
    return EsCrawlState(client, target.index, reads="fetched")


@pytest.mark.es
@pytest.mark.timeout(240)
def test_a_recrawl_is_conditional_from_the_state_in_elasticsearch(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    settings = es_settings.model_copy(update={"data_dir": data_dir})
    with PortalServer([build_portals(17, reports=3)[0]]) as server:
        truth = server.portal("trs").truth().reports
        first = crawl(settings, server.sites(), es_client=es_client, polite=False)
        server.clear_hits()
        second = crawl(settings, server.sites(), es_client=es_client, polite=False)
        answered = server.hits()

    assert (first.new, second.new, second.revised, second.unchanged) == (3, 0, 0, 3)
    not_modified = [hit for hit in answered if hit.status == 304]
    assert len(not_modified) >= len(truth) and all(hit.conditional for hit in not_modified)
    assert not (data_dir / STATE_FILE).exists()  # the state lives where the reports go
    rows = es_client.search(index=crawl_state_index(settings.index), size=100,
                            query={"term": {"record": "fetched"}})["hits"]["hits"]
    assert {row["_source"]["site"] for row in rows} == {"trs"}
    assert truth <= {row["_source"]["url"] for row in rows}


@pytest.mark.es
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_shards_share_the_state_in_elasticsearch_and_a_reshard_keeps_the_validators(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "shared-data"  # one data dir, as every shard mounts it
    settings = es_settings.model_copy(update={"data_dir": data_dir})
    portals, addresses = portals_on_hosts()
    with PortalServer(portals, addresses=addresses) as server:
        sites = server.sites()
        truth = set().union(*(portal.truth().reports for portal in server.portals.values()))
        halves = crawl_in_shards(settings, es_client, sites, 2)
        found = indexed_urls(es_client, settings.index)
        server.clear_hits()
        thirds = crawl_in_shards(settings, es_client, sites, 3)
        answered = server.hits()

    assert sorted(found) == sorted(truth)  # every report, each once
    assert sum(summary.new for summary in halves) == len(truth)
    assert not (data_dir / STATE_FILE).exists()
    # Re-sharded, each host is crawled by another process, which still knows its validators.
    assert sum(summary.new + summary.revised for summary in thirds) == 0
    assert sum(summary.unchanged for summary in thirds) == len(truth)
    assert len([hit for hit in answered if hit.status == 304 and hit.conditional]) >= len(truth)


@pytest.mark.es
@pytest.mark.timeout(60)
def test_a_shard_loads_only_the_rows_of_its_own_sites(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    with state_of(es_settings, es_client, tmp_path) as state:
        for site in ("a", "b"):
            state.remember_document(f"http://{site}/r.pdf", site=site, sha256=site * 2, format="pdf",
                                    etag=f'"{site}"', last_modified=None, fetched_at=T0)
    with state_of(es_settings, es_client, tmp_path) as shard:
        shard.load(["a"])
        known = shard.known("http://a/r.pdf")
        assert known is not None and (known.etag, known.sha256, known.first_seen_at) == ('"a"', "aa", T0)
        assert shard.known("http://b/r.pdf") is None


@pytest.mark.es
@pytest.mark.timeout(60)
def test_first_seen_and_deliveries_survive_in_elasticsearch(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    later = T0 + timedelta(days=3)
    with state_of(es_settings, es_client, tmp_path) as state:
        state.remember_document("http://a/r", site="a", sha256="aa", format="html", etag=None,
                                last_modified=None, fetched_at=T0)
        state.mark_delivered("http://a/r", sink="es:x", sha256="aa", at=T0, site="a")
    with state_of(es_settings, es_client, tmp_path) as state:
        state.load(["a"])
        first_seen = state.remember_document("http://a/r", site="a", sha256="bb", format="html", etag='"2"',
                                             last_modified=None, fetched_at=later)
        state.confirm("http://a/r", later + timedelta(hours=1))
    target = EsStateTarget.of(es_settings)
    with EsCrawlState(es_client, target.index, reads="delivered") as importing:
        importing.load(["a"])
        assert importing.delivered("http://a/r", "es:x") == "aa"
        assert importing.delivered("http://a/r", "jsonl:/out") is None
    with state_of(es_settings, es_client, tmp_path) as state:
        state.load(["a"])
        known = state.known("http://a/r")
    assert first_seen == T0
    assert known is not None and (known.sha256, known.first_seen_at) == ("bb", T0)
    assert known.checked_at == later + timedelta(hours=1)


@pytest.mark.es
@pytest.mark.timeout(60)
def test_forgotten_validators_are_forgotten_in_elasticsearch_at_close(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    with state_of(es_settings, es_client, tmp_path) as state:
        state.remember_document("http://a/r", site="a", sha256="aa", format="html", etag='"1"',
                                last_modified="Tue, 02 Jan 2024 08:00:00 GMT", fetched_at=T0)
    target = EsStateTarget.of(es_settings)
    with EsCrawlState(es_client, target.index, reads="delivered") as importing:
        importing.forget_validators_of("aa")
    with state_of(es_settings, es_client, tmp_path) as state:
        state.load(["a"])
        known = state.known("http://a/r")
    assert known is not None and (known.etag, known.last_modified) == (None, None)


@pytest.mark.es
@pytest.mark.timeout(60)
def test_a_failed_write_is_an_error_at_close(es_client: Elasticsearch, es_settings: Settings,
                                             tmp_path: Path) -> None:
    state = state_of(es_settings, es_client, tmp_path)
    es_client.indices.put_settings(index=state.index, settings={"index.blocks.write": True})
    try:
        state.remember_stub("http://a/t", site="a", attachments=["http://a/t.pdf"], etag=None,
                            last_modified=None, fetched_at=T0)
        with pytest.raises(GovreportsError, match=r"crawl state .*: 1 row\(s\) refused"):
            state.close()
    finally:
        es_client.indices.put_settings(index=state.index, settings={"index.blocks.write": False})


@pytest.mark.es
@pytest.mark.timeout(240)
def test_a_crawl_whose_state_cannot_be_written_says_so(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    settings = es_settings.model_copy(update={"data_dir": tmp_path / "data"})
    index = crawl_state_index(settings.index)
    prepare_state_index(es_client, EsStateTarget.of(settings), tmp_path / "data")
    es_client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        with PortalServer([build_portals(17, reports=2)[0]]) as server:
            summary = crawl(settings, server.sites(), es_client=es_client, polite=False)
    finally:
        es_client.indices.put_settings(index=index, settings={"index.blocks.write": False})
    assert summary.new == 2  # the reports are indexed all the same
    assert any(error.startswith(f"crawl state {index}: ") and "refused" in error for error in summary.errors)


@pytest.mark.es
@pytest.mark.timeout(60)
def test_a_state_that_cannot_be_read_leaves_its_sites_unknown_and_says_so_at_close(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    state = state_of(es_settings, es_client, tmp_path)
    es_client.indices.close(index=state.index)
    try:
        state.load(["a"])
        assert state.known("http://a/r") is None
        with pytest.raises(GovreportsError, match=r"crawl state .*: cannot read the crawl state"):
            state.close()
    finally:
        es_client.indices.open(index=state.index)


@pytest.mark.es
@pytest.mark.timeout(60)
def test_an_older_sqlite_state_is_imported_once_and_never_over_a_newer_row(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    with CrawlState.in_data_dir(tmp_path) as old:
        old.remember_document("http://a/r", site="a", sha256="aa", format="pdf", etag='"old"',
                              last_modified=None, fetched_at=T0)
        old.remember_document("http://a/s", site="a", sha256="cc", format="pdf", etag='"s"',
                              last_modified=None, fetched_at=T0)
        old.mark_delivered("http://a/r", sink="es:x", sha256="aa", at=T0)
    target = EsStateTarget.of(es_settings)
    with state_of(es_settings, es_client, tmp_path / "elsewhere") as newer:  # an index with a newer row
        newer.remember_document("http://a/r", site="a", sha256="bb", format="pdf", etag='"new"',
                                last_modified=None, fetched_at=T0 + timedelta(days=1))

    prepare_state_index(es_client, target, tmp_path)
    again = import_sqlite_once(es_client, target.index, tmp_path / STATE_FILE)

    with state_of(es_settings, es_client, tmp_path) as state:
        state.load(["a"])
        kept, imported = state.known("http://a/r"), state.known("http://a/s")
    with EsCrawlState(es_client, target.index, reads="delivered") as importing:
        importing.load(["a"])
        delivered = importing.delivered("http://a/r", "es:x")
    assert kept is not None and kept.etag == '"new"'
    assert imported is not None and (imported.etag, imported.sha256) == ('"s"', "cc")
    assert delivered == "aa"
    assert again == 0
    assert es_client.exists(index=target.index, id=fetched_id("http://a/s"))
    # The SQLite file stays as it was, for crawls with no Elasticsearch.
    with sqlite3.connect(tmp_path / STATE_FILE) as database:
        assert database.execute("SELECT count(*) FROM fetched").fetchone() == (2,)
