"""Reports read by OCR: an `ocr` filter and facet on /api/search, and a badge on the report page.

Against the real Elasticsearch; the expected counts come from the reports indexed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from govreports.model import Report
from govreports.settings import Settings
from search_api.app import create_app
from search_api.testing import InProcessClient, in_process, index_corpus, synthetic_corpus

pytestmark = pytest.mark.es


@pytest.fixture
def corpus() -> list[Report]:
    reports = synthetic_corpus(seed=16, offices=6)
    # Every third report read from a scan or from pictures of its tables.
    return [report.model_copy(update={"ocr": index % 3 == 0}) for index, report in enumerate(reports)]


@pytest.fixture
def api(es_client: Elasticsearch, es_settings: Settings, corpus: list[Report]) -> Iterator[InProcessClient]:
    index_corpus(es_client, es_settings.index, corpus)
    with in_process(create_app(es_settings)) as client:
        yield client


def test_the_ocr_facet_counts_and_the_filter_selects(api: InProcessClient, corpus: list[Report]) -> None:
    scanned = {report.id for report in corpus if report.ocr}
    assert scanned and len(scanned) < len(corpus)

    everything = api.get("/api/search", params={"size": 100}).json()
    assert everything["facets"]["ocr"] == [
        {"value": False, "count": len(corpus) - len(scanned), "selected": False},
        {"value": True, "count": len(scanned), "selected": False},
    ]

    chosen = api.get("/api/search", params={"ocr": "true", "size": 100}).json()
    assert {hit["id"] for hit in chosen["hits"]} == scanned
    assert chosen["total"] == len(scanned)
    # Multi-select: the facet's own counts ignore its own selection, and mark it.
    assert {entry["value"]: (entry["count"], entry["selected"]) for entry in chosen["facets"]["ocr"]} == {
        False: (len(corpus) - len(scanned), False),
        True: (len(scanned), True),
    }
    # Another facet's counts follow the selection.
    assert sum(entry["count"] for entry in chosen["facets"]["template"]) == len(scanned)

    unread = api.get("/api/search", params={"ocr": "false", "size": 100}).json()
    assert {hit["id"] for hit in unread["hits"]} == {report.id for report in corpus} - scanned
    assert api.get("/api/search", params={"ocr": "perhaps"}).status_code == 422


def test_the_report_page_says_a_report_was_read_by_ocr(api: InProcessClient, corpus: list[Report]) -> None:
    scanned = next(report for report in corpus if report.ocr)
    read = next(report for report in corpus if not report.ocr)
    assert 'id="ocr-badge"' in api.get(f"/reports/{scanned.id}").text
    assert 'id="ocr-badge"' not in api.get(f"/reports/{read.id}").text


def test_the_search_page_offers_the_ocr_choice(api: InProcessClient) -> None:
    page = api.get("/", params={"ocr": "true"}).text
    assert 'id="facet-ocr"' in page
    assert '<input type="radio" name="ocr" value="true" checked>' in page
