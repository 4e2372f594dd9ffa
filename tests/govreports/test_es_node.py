"""The shared local node is a real Elasticsearch 8, and the clients and fixtures work against it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from elasticsearch import Elasticsearch

from audit import store as audit_store
from audit.store import AuditIndices
from govreports.errors import ElasticsearchUnavailable
from govreports.es_client import (
    IndexSizing,
    build_async_client,
    build_client,
    create_index,
    delete_prefixed,
    ensure_reachable,
    ensure_reachable_async,
)
from govreports.settings import Settings
from indexer.lifecycle import create_next_index, ensure_index
from monitor.indices import MonitorIndices, ensure_indices, index_definition

pytestmark = pytest.mark.es


def test_node_indexes_and_searches_chinese_text(es_client: Elasticsearch, es_index: str) -> None:
    es_client.indices.create(index=es_index, mappings={"properties": {"title": {"type": "text"}}})
    es_client.index(index=es_index, id="1", document={"title": "政府信息公开工作年度报告"}, refresh=True)
    es_client.index(index=es_index, id="2", document={"title": "other text"}, refresh=True)

    hits = es_client.search(index=es_index, query={"match": {"title": "年度报告"}})["hits"]["hits"]

    assert [hit["_id"] for hit in hits] == ["1"]


def test_node_is_elasticsearch_8(es_session_settings: Settings) -> None:
    nodes = httpx.get(f"{es_session_settings.es_url}/_nodes/_local", timeout=10).json()
    (node,) = nodes["nodes"].values()
    assert node["version"].startswith("8.")
    assert node["http"]["publish_address"].startswith("127.0.0.1:")


def test_es_index_is_unique_and_fresh(es_client: Elasticsearch, es_index: str) -> None:
    assert es_index.startswith("test-")
    assert not es_client.indices.exists(index=es_index)


def test_delete_prefixed_removes_indices_and_aliases(es_client: Elasticsearch, es_index: str) -> None:
    bystander = f"{es_index}x"[::-1]  # same letters, another prefix: must survive
    es_client.indices.create(index=es_index)
    es_client.indices.create(index=f"{es_index}-v2", aliases={f"{es_index}-current": {}})
    es_client.indices.create(index=bystander, aliases={f"{es_index}-alias-elsewhere": {}})
    try:
        delete_prefixed(es_client, es_index)

        assert not es_client.indices.exists(index=f"{es_index}*", allow_no_indices=False)
        assert es_client.indices.exists(index=bystander)
        assert not es_client.indices.exists_alias(name=f"{es_index}-alias-elsewhere")
    finally:
        es_client.indices.delete(index=bystander)


def test_ensure_reachable_accepts_the_node(es_client: Elasticsearch, es_session_settings: Settings) -> None:
    ensure_reachable(es_client, es_session_settings.es_url)


def test_unreachable_cluster_is_one_domain_error(free_port: int) -> None:
    url = f"http://127.0.0.1:{free_port}"
    client = build_client(Settings(es_url=url))
    with pytest.raises(ElasticsearchUnavailable, match=f"does not answer at {url}"):
        ensure_reachable(client, url)


def test_async_client_counts(es_client: Elasticsearch, es_index: str, es_settings: Settings) -> None:
    es_client.index(index=es_index, document={"office": "均禾街"}, refresh=True)
    office_is_junhe = {"term": {"office.keyword": "均禾街"}}

    async def count() -> int:
        client = build_async_client(es_settings)
        try:
            await ensure_reachable_async(client, es_settings.es_url)
            response = await client.count(index=es_settings.index, query=office_is_junhe)
            return int(response["count"])
        finally:
            await client.close()

    assert asyncio.run(count()) == 1


def test_async_client_reports_an_unreachable_cluster(free_port: int) -> None:
    settings = Settings(es_url=f"http://127.0.0.1:{free_port}")

    async def reach() -> None:
        client = build_async_client(settings)
        try:
            await ensure_reachable_async(client, settings.es_url)
        finally:
            await client.close()

    with pytest.raises(ElasticsearchUnavailable):
        asyncio.run(reach())


def test_a_request_moves_to_another_node_when_one_does_not_answer(
    es_session_settings: Settings, free_port: int
) -> None:
    nodes = f"http://127.0.0.1:{free_port},{es_session_settings.es_url}"
    client = build_client(es_session_settings.model_copy(update={"es_url": nodes}))

    statuses = {client.cluster.health()["status"] for _ in range(4)}

    assert statuses <= {"green", "yellow"}


def _sizes(client: Elasticsearch, index: str) -> tuple[str, str | None, str | None]:
    settings = client.indices.get_settings(index=index)[index]["settings"]["index"]
    return (
        settings["number_of_shards"],
        settings.get("number_of_replicas"),
        settings.get("auto_expand_replicas"),
    )


def test_every_index_govreports_creates_gets_a_replica_once_a_second_node_is_there(
    es_client: Elasticsearch, es_index: str
) -> None:
    reports = ensure_index(es_client, es_index)
    monitor = MonitorIndices(es_index)
    ensure_indices(es_client, monitor)
    audit = AuditIndices(es_index)
    audit_store.ensure_indices(es_client, audit)
    rebuilt = create_next_index(es_client, es_index)

    created = [reports, rebuilt, *monitor.all(), audit.offices, audit.findings, audit.ledger]
    for index in created:
        assert _sizes(es_client, index)[::2] == ("1", "0-1"), index


def test_an_explicit_sizing_is_applied(es_client: Elasticsearch, es_index: str) -> None:
    sizing = IndexSizing(shards=2, replicas=0)

    assert create_index(es_client, es_index, index_definition("watch"), sizing=sizing)
    assert not create_index(es_client, es_index, index_definition("watch"), sizing=sizing)  # there already

    assert _sizes(es_client, es_index) == ("2", "0", None)
