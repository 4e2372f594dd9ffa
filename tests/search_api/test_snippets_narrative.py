"""Search snippets come from the narrative when it matches; the table labels only when it does not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from govreports.model import Report, Sections
from govreports.settings import Settings
from search_api.testing import InProcessClient, api_over_corpus

pytestmark = pytest.mark.es

TABLE_TEXT = "四、政府信息公开行政复议、行政诉讼情况 行政复议 结果维持 结果纠正 其他结果 尚未审结 总计 0 0 0"
NARRATIVE = "本年度因信息公开答复引起的行政复议案件均已依法办结，未被纠错。"


def report(report_id: str, overview: str) -> Report:
    return Report(
        id=report_id,
        content_sha256=report_id * 2,
        format="txt",
        title=f"某局{uuid.uuid4().hex[:4]}年度报告",
        sections=Sections(overview=overview),
        text=f"一、总体情况\n{overview}\n{TABLE_TEXT}",
    )


WITH_NARRATIVE = report("a" * 40, f"全年主动公开信息一百余条。{NARRATIVE}")
TABLES_ONLY = report("b" * 40, "全年主动公开信息一百余条，办理依申请公开十件。")


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    with api_over_corpus(es_client, es_session_settings, [WITH_NARRATIVE, TABLES_ONLY]) as client:
        yield client


def snippets(api: InProcessClient) -> dict[str, list[str]]:
    body = api.get("/api/search", params={"q": "行政复议"}).json()
    return {hit["id"]: hit["highlight"] for hit in body["hits"]}


def test_the_snippet_comes_from_the_narrative_when_it_matches(api: InProcessClient) -> None:
    found = snippets(api)[WITH_NARRATIVE.id]
    assert found and all("结果维持" not in fragment for fragment in found)
    assert "<em>行政复议</em>案件均已依法办结" in found[0]


def test_the_tables_give_the_snippet_when_the_narrative_does_not_match(api: InProcessClient) -> None:
    found = snippets(api)[TABLES_ONLY.id]
    assert found and "结果维持" in found[0]
