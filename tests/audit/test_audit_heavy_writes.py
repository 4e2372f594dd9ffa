"""A first audit's many report updates: two requests at a time, the index refreshed rarely meanwhile,
and its refresh interval as it was afterwards, whatever happened."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import Elasticsearch

from audit import store
from audit.store import AuditWriteFailed, update_reports

pytestmark = pytest.mark.es


def interval(client: Elasticsearch, index: str) -> Any:
    found = client.indices.get_settings(index=index, name="index.refresh_interval")
    return found.get(index, {}).get("settings", {}).get("index", {}).get("refresh_interval")


def updates(index: str, count: int, value: int) -> list[dict[str, Any]]:
    return [{"_op_type": "update", "_index": index, "_id": str(n), "doc": {"n": value}} for n in range(count)]


@pytest.mark.parametrize("configured", [None, "5s"])
def test_heavy_writes_restore_the_refresh_interval(
    es_client: Elasticsearch, es_index: str, monkeypatch: pytest.MonkeyPatch, configured: str | None
) -> None:
    monkeypatch.setattr(store, "HEAVY_WRITES", 10)
    settings = {} if configured is None else {"index": {"refresh_interval": configured}}
    es_client.indices.create(
        index=es_index, settings=settings, mappings={"properties": {"n": {"type": "integer"}}}
    )
    es_client.bulk(
        operations=[
            op for n in range(25) for op in ({"index": {"_index": es_index, "_id": str(n)}}, {"n": 0})
        ]
    )

    seen: list[Any] = []
    real_bulk = store.bulk

    def watching(client: Elasticsearch, actions: Any, *, requests: int = 1) -> int:
        seen.append((requests, interval(client, es_index)))
        return real_bulk(client, actions, requests=requests)

    monkeypatch.setattr(store, "bulk", watching)
    assert update_reports(es_client, es_index, updates(es_index, 25, 1), 25) == 25
    assert seen == [(2, store.REFRESH_WHILE_WRITING)]
    assert interval(es_client, es_index) == configured
    es_client.indices.refresh(index=es_index)
    assert es_client.count(index=es_index, query={"term": {"n": 1}})["count"] == 25

    refused = [
        *updates(es_index, 20, 2),
        {"_op_type": "update", "_index": es_index, "_id": "0", "doc": {"n": "not a number"}},
    ]
    with pytest.raises(AuditWriteFailed):
        update_reports(es_client, es_index, refused, len(refused))
    assert interval(es_client, es_index) == configured


def test_few_writes_leave_the_index_alone(
    es_client: Elasticsearch, es_index: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    es_client.indices.create(index=es_index, mappings={"properties": {"n": {"type": "integer"}}})
    es_client.index(index=es_index, id="0", document={"n": 0}, refresh=True)
    calls: list[str] = []
    monkeypatch.setattr(es_client.indices, "put_settings", lambda **kwargs: calls.append("put"))
    assert update_reports(es_client, es_index, updates(es_index, 1, 1), 1) == 1
    assert calls == []
