"""Versioned indices behind an alias; a rebuild swaps the alias while searches keep working."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from govreports.errors import ConfigError
from govreports.model import Report
from indexer.documents_es import to_document
from indexer.lifecycle import (
    create_next_index,
    ensure_index,
    indices_behind,
    outdated_note,
    swap_alias,
)
from indexer.run import live_documents_ahead_of
from indexer.writer import Prepared, index_reports, write_batch
from mappings import CURRENT_VERSION, load_index_definition

pytestmark = pytest.mark.es


def _report(report_id: str, sha: str = "v1") -> Report:
    fetched = datetime(2022, 1, 10, tzinfo=UTC)
    return Report(
        id=report_id, content_sha256=sha, format="txt", fetched_at=fetched, text=f"{report_id}依申请公开"
    )


def test_ensure_index_creates_the_versioned_index_behind_the_alias_once(
    es_client: Elasticsearch, es_index: str
) -> None:
    assert ensure_index(es_client, es_index) == f"{es_index}-v{CURRENT_VERSION}"
    assert ensure_index(es_client, es_index) == f"{es_index}-v{CURRENT_VERSION}"
    assert indices_behind(es_client, es_index) == [f"{es_index}-v{CURRENT_VERSION}"]
    mapping = es_client.indices.get_mapping(index=es_index)[f"{es_index}-v{CURRENT_VERSION}"]["mappings"]
    assert mapping["dynamic"] == "strict"


def test_an_index_of_an_older_mapping_keeps_serving_until_a_rebuild_moves_the_alias(
    es_client: Elasticsearch, es_index: str
) -> None:
    older = f"{es_index}-v1"
    es_client.indices.create(index=older, aliases={es_index: {}}, **load_index_definition(1))
    assert ensure_index(es_client, es_index) == older
    assert f"{older} has mapping version 1" in (outdated_note(es_client, es_index) or "")
    rebuilt = create_next_index(es_client, es_index)
    swap_alias(es_client, es_index, rebuilt)
    assert outdated_note(es_client, es_index) is None
    assert indices_behind(es_client, es_index) == [rebuilt]
    meta = es_client.indices.get_mapping(index=rebuilt)[rebuilt]["mappings"]["_meta"]
    assert meta["govreports_mapping_version"] == CURRENT_VERSION > 1


def test_a_plain_index_where_the_alias_belongs_is_a_clear_error(
    es_client: Elasticsearch, es_index: str
) -> None:
    es_client.indices.create(index=es_index)
    with pytest.raises(ConfigError, match="is an index, not an alias"):
        ensure_index(es_client, es_index)


def test_rebuild_swaps_the_alias_while_searches_never_fail(es_client: Elasticsearch, es_index: str) -> None:
    old = ensure_index(es_client, es_index)
    reports = [_report(f"r{n}") for n in range(200)]
    index_reports(es_client, es_index, reports)
    es_client.indices.refresh(index=es_index)
    first_seen = es_client.get(index=es_index, id="r0")["_source"]["first_seen_at"]

    failures: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                response = es_client.search(index=es_index, query={"match": {"text": "依申请公开"}}, size=0)
                totals.append(response["hits"]["total"]["value"])
            except Exception as error:  # anything at all is a failure of the swap
                failures.append(error)

    searcher = threading.Thread(target=search_loop)
    searcher.start()
    try:
        new = create_next_index(es_client, es_index)
        # The archive holds half the reports again, one of them revised; the rest are carried over.
        rebuilt = [Prepared(to_document(report)) for report in reports[:100]]
        rebuilt[0] = Prepared(to_document(_report("r0", sha="v2")))
        write_batch(es_client, new, rebuilt, lookup_index=es_index)
        carried = list(live_documents_ahead_of(es_client, es_index, new))
        write_batch(es_client, new, carried, lookup_index=es_index)
        assert swap_alias(es_client, es_index, new) == [old]
        searches_at_swap = len(totals)
        while len(totals) < searches_at_swap + 20 and not failures:
            time.sleep(0.01)  # let the loop search the new index a few times
    finally:
        stop.set()
        searcher.join()

    assert failures == []
    assert len(totals) > 20
    assert set(totals) == {200}
    assert indices_behind(es_client, es_index) == [new]
    assert not es_client.indices.exists(index=old)
    assert len(carried) == 100
    revised = es_client.get(index=es_index, id="r0")["_source"]
    assert revised["first_seen_at"] == first_seen
    assert [revision["content_sha256"] for revision in revised["revisions"]] == ["v1"]
