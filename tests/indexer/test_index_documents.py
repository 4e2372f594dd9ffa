"""A report as an Elasticsearch document and back (pure: no Elasticsearch)."""

from __future__ import annotations

import random

import pytest

from govreports.model import Report, Sections
from indexer.documents_es import SEGMENTED_FIELDS, from_document, to_document
from indexer.segment import SEPARATOR


def _report(**fields: object) -> Report:
    return Report.model_validate({"id": "a" * 40, "content_sha256": "b" * 64, "format": "txt", **fields})


def _synthetic(seed: int) -> Report:
    from indexer.synthetic import random_report

    return random_report(random.Random(seed)).truth


@pytest.mark.parametrize("seed", range(5))
def test_round_trip_keeps_the_report(seed: int) -> None:
    report = _synthetic(seed)
    assert from_document(to_document(report)) == report


def test_free_text_is_segmented_and_the_rest_is_not() -> None:
    report = _report(
        title="某街道办事处2020年政府信息公开工作年度报告",
        office="某街道办事处",
        text="依申请公开情况",
        sections=Sections(overview="主动公开情况", problems=None, other="无"),
    )
    document = to_document(report)
    assert document["title"].split(SEPARATOR)[:2] == ["某", "街道办事处"]
    assert document["text"] == SEPARATOR.join(["依申请公开", "情况"])
    overview = SEPARATOR.join(["主动公开", "情况"])
    assert document["sections"] == {"overview": overview, "problems": None, "other": "无"}
    assert document["office"] == "某街道办事处"
    assert len(SEGMENTED_FIELDS) == 5


def test_document_is_the_json_dump_apart_from_segmented_fields() -> None:
    report = _synthetic(11)
    document, dump = to_document(report), report.model_dump(mode="json")
    for key in ("title", "text", "sections"):
        document.pop(key), dump.pop(key)
    assert document == dump


def test_a_thin_space_in_the_source_does_not_survive_indexing() -> None:
    report = _report(text="行政\u2009复议")
    assert from_document(to_document(report)).text == "行政复议"
