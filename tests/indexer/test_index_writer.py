"""Idempotent bulk writes against the real Elasticsearch: first_seen_at kept, revisions recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.errors import ElasticsearchUnavailable
from govreports.model import Report
from indexer.lifecycle import ensure_index
from indexer.writer import Outcome, Prepared, RetryPolicy, index_reports, merge, write_batch

FIRST_FETCH = datetime(2021, 1, 5, 8, 0, tzinfo=UTC)
SECOND_FETCH = datetime(2021, 3, 1, 9, 30, tzinfo=UTC)


def _report(report_id: str, sha: str = "v1", fetched_at: datetime = FIRST_FETCH, text: str = "") -> Report:
    return Report(
        id=report_id,
        content_sha256=sha,
        format="html",
        fetched_at=fetched_at,
        text=text or f"{report_id}的年度报告",
    )


def _stored(client: Elasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=100, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


@pytest.mark.es
def test_indexing_twice_leaves_the_same_documents_and_first_seen_at(
    es_client: Elasticsearch, es_index: str
) -> None:
    ensure_index(es_client, es_index)
    reports = [_report(f"r{n}") for n in range(7)]
    first = index_reports(es_client, es_index, reports, batch_size=3)
    before = _stored(es_client, es_index)
    second = index_reports(es_client, es_index, reports, batch_size=3)
    after = _stored(es_client, es_index)
    assert (first.new, first.unchanged, first.revised, first.failed) == (7, 0, 0, 0)
    assert (second.new, second.unchanged, second.revised, second.failed) == (0, 7, 0, 0)
    assert after == before
    assert {source["first_seen_at"] for source in after.values()} == {
        FIRST_FETCH.isoformat().replace("+00:00", "Z")
    }


@pytest.mark.es
def test_a_changed_report_becomes_a_revision_and_keeps_first_seen_at(
    es_client: Elasticsearch, es_index: str
) -> None:
    ensure_index(es_client, es_index)
    index_reports(es_client, es_index, [_report("a"), _report("b")])
    changed = _report("a", sha="v2", fetched_at=SECOND_FETCH, text="修订后的年度报告")
    summary = index_reports(es_client, es_index, [changed, _report("b")])
    assert (summary.new, summary.revised, summary.unchanged) == (0, 1, 1)
    assert summary.outcomes[0] == Outcome("a", "revised", "v2", previous_sha256="v1", source=None)
    stored = _stored(es_client, es_index)["a"]
    assert stored["content_sha256"] == "v2"
    assert stored["first_seen_at"].startswith("2021-01-05")
    assert stored["revisions"] == [{"content_sha256": "v1", "fetched_at": "2021-01-05T08:00:00Z"}]
    # The same revision indexed again changes nothing more.
    again = index_reports(es_client, es_index, [changed])
    assert again.unchanged == 1
    assert _stored(es_client, es_index)["a"]["revisions"] == stored["revisions"]


@pytest.mark.es
def test_a_document_the_index_refuses_fails_alone(es_client: Elasticsearch, es_index: str) -> None:
    ensure_index(es_client, es_index)
    good = Prepared({"id": "good", "content_sha256": "x", "format": "txt", "text": "正常"})
    bad = Prepared(
        {"id": "bad", "content_sha256": "y", "format": "txt", "year": "not a year"}, source="bad.txt"
    )
    outcomes = write_batch(es_client, es_index, [good, bad])
    assert [outcome.status for outcome in outcomes] == ["new", "failed"]
    assert outcomes[1].source == "bad.txt"
    assert "year" in (outcomes[1].error or "")
    assert set(_stored(es_client, es_index)) == {"good"}


def test_an_unreachable_cluster_is_retried_then_one_domain_error() -> None:
    nowhere = Elasticsearch("http://127.0.0.1:9", max_retries=0, request_timeout=1)
    retry = RetryPolicy(attempts=3, first_delay_s=0.01)
    with pytest.raises(ElasticsearchUnavailable, match="gave up after 3 tries"):
        write_batch(
            nowhere, "any", [Prepared({"id": "a", "content_sha256": "x", "format": "txt"})], retry=retry
        )


@pytest.mark.parametrize(
    ("stored", "status", "revisions"),
    [
        (None, "new", []),
        ({"content_sha256": "v1", "first_seen_at": "2020-01-01T00:00:00Z"}, "unchanged", []),
        (
            {
                "content_sha256": "v0",
                "first_seen_at": "2020-01-01T00:00:00Z",
                "fetched_at": "2020-01-01T00:00:00Z",
            },
            "revised",
            [{"content_sha256": "v0", "fetched_at": "2020-01-01T00:00:00Z"}],
        ),
        (
            {
                "content_sha256": "v1",
                "first_seen_at": "2020-01-01T00:00:00Z",
                "revisions": [{"content_sha256": "v0", "fetched_at": None}],
            },
            "unchanged",
            [{"content_sha256": "v0", "fetched_at": None}],
        ),
    ],
)
def test_merge_with_the_stored_version(
    stored: dict[str, Any] | None, status: str, revisions: list[Any]
) -> None:
    prepared = Prepared(
        {"id": "a", "content_sha256": "v1", "fetched_at": "2021-01-05T08:00:00Z", "revisions": []}
    )
    document, outcome = merge(prepared, stored)
    assert outcome.status == status
    assert document["revisions"] == revisions
    assert document["first_seen_at"] == ("2021-01-05T08:00:00Z" if stored is None else "2020-01-01T00:00:00Z")


@pytest.mark.es
def test_a_report_twice_in_one_batch_counts_as_new_then_revised(
    es_client: Elasticsearch, es_index: str
) -> None:
    ensure_index(es_client, es_index)
    summary = index_reports(
        es_client, es_index, [_report("a"), _report("a", sha="v2", fetched_at=SECOND_FETCH)]
    )
    assert [outcome.status for outcome in summary.outcomes] == ["new", "revised"]
    assert _stored(es_client, es_index)["a"]["revisions"] == [
        {"content_sha256": "v1", "fetched_at": "2021-01-05T08:00:00Z"}
    ]
