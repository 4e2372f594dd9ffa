"""Chinese full text against the real Elasticsearch: words match, shared characters do not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.es_client import delete_prefixed
from govreports.model import Report
from indexer.lifecycle import ensure_index
from indexer.segment import SEPARATOR, query_terms, unsegment
from indexer.writer import index_reports

pytestmark = pytest.mark.es

TEXTS = {
    "review": "本年度本机关发生政府信息公开行政复议案件1件，结果维持。",
    "apart": "申请人复核后提出异议，本机关依法答复。",  # 复 and 议, never together
    "word_inside": "本年度未发生因政府信息公开引起的复议或诉讼。",
    "latin": "年报以PDF格式在网站公开。",
    "other": "本机关主动公开政府信息120条。",
}


def _report(key: str, text: str) -> Report:
    return Report(id=key, content_sha256=f"sha-{key}", format="txt", title=f"{key}年度报告", text=text)


def keyword_query(q: str) -> dict[str, Any]:
    """The query shape for API callers: jieba words in a row, or the characters in a row (recall)."""
    return {
        "bool": {
            "should": [
                {"match_phrase": {"text": " ".join(query_terms(q))}},
                {"match_phrase": {"text.std": q}},
            ],
            "minimum_should_match": 1,
        }
    }


# Only the segmented field keeps offsets (mapping v2): fragments mark whole jieba words.
HIGHLIGHT = {"fields": {"text": {"type": "unified"}}}


@pytest.fixture(scope="module")
def indexed(es_client: Elasticsearch) -> Iterator[str]:
    """One index for the whole module (the queries only read it), removed afterwards."""
    alias = f"test-search-{uuid.uuid4().hex}"
    ensure_index(es_client, alias)
    try:
        summary = index_reports(es_client, alias, [_report(key, text) for key, text in TEXTS.items()])
        assert summary.new == len(TEXTS)
        es_client.indices.refresh(index=alias)
        yield alias
    finally:
        delete_prefixed(es_client, alias)  # the writer's lock index too


def search(client: Elasticsearch, alias: str, q: str) -> dict[str, list[str]]:
    """Matching ids -> unsegmented highlight fragments."""
    response = client.search(index=alias, query=keyword_query(q), highlight=HIGHLIGHT)
    return {
        hit["_id"]: [unsegment(fragment) for fragment in hit.get("highlight", {}).get("text", [])]
        for hit in response["hits"]["hits"]
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("复议", {"review", "word_inside"}),
        ("行政复议", {"review"}),
        ("异议", {"apart"}),
        ("主动公开", {"other"}),
        ("pdf", {"latin"}),  # Latin words match in any case through the standard subfield
        ("信息公开", {"review", "word_inside"}),  # inside the whole word 政府信息公开
        ("议复", set()),
    ],
)
def test_a_word_finds_the_reports_that_contain_it_and_no_others(
    es_client: Elasticsearch, indexed: str, q: str, expected: set[str]
) -> None:
    assert set(search(es_client, indexed, q)) == expected


@pytest.mark.parametrize(
    ("q", "marked"),
    [("复议", "复议"), ("行政复议", "行政复议"), ("依法", "依法"), ("PDF", "PDF")],
)
def test_highlights_show_the_original_text_with_the_word_marked(
    es_client: Elasticsearch, indexed: str, q: str, marked: str
) -> None:
    fragments = [fragment for fragments in search(es_client, indexed, q).values() for fragment in fragments]
    assert fragments
    for fragment in fragments:
        assert SEPARATOR not in fragment
        assert f"<em>{marked}</em>" in fragment
        assert fragment.replace("<em>", "").replace("</em>", "") in TEXTS.values()


def test_the_source_comes_back_as_the_original_report(es_client: Elasticsearch, indexed: str) -> None:
    from indexer.documents_es import from_document

    source = es_client.get(index=indexed, id="review")["_source"]
    assert SEPARATOR in source["text"]
    report = from_document(source)
    assert report.text == TEXTS["review"]
    assert report.title == "review年度报告"
