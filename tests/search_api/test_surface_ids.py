"""Ids in paths are what govreports generates (40 lowercase hex digits); Elasticsearch's own error
text never reaches a client."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch
from fastapi.routing import APIRoute

from govreports.model import Report
from govreports.settings import Settings
from search_api.app import ROUTERS, create_app
from search_api.params import GENERATED_ID
from search_api.testing import InProcessClient, api_over_corpus, in_process, synthetic_corpus

pytestmark = pytest.mark.es

CORPUS: list[Report] = synthetic_corpus(seed=15, offices=2)


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    with api_over_corpus(es_client, es_session_settings, CORPUS) as client:
        yield client


# Percent-encoded so that the client sends the dots as they are instead of resolving them.
NOT_GENERATED = [
    "%2E%2E",  # Elasticsearch resolved /index/_doc/.. to /index: a 500 from its answer
    "%2E",  # Elasticsearch's "Incorrect HTTP method for uri [/index/_doc/]": a 502 with its text
    "_all",
    "a..b",
    "A" * 40,  # generated ids are lowercase
    "0" * 39,
    "0" * 41,
    "g" * 40,
]


@pytest.mark.parametrize("prefix", ["/api/reports/", "/reports/"])
@pytest.mark.parametrize("report_id", NOT_GENERATED)
def test_an_id_govreports_never_generates_is_refused_before_elasticsearch(
    api: InProcessClient, prefix: str, report_id: str
) -> None:
    response = api.get(prefix + report_id)

    assert response.status_code == 422
    body = response.json()
    assert body["error"].startswith("invalid parameter — report_id: ")
    assert body["detail"][0]["parameter"] == "report_id"


@pytest.mark.parametrize("prefix", ["/api/reports/", "/reports/"])
def test_a_generated_id_still_finds_its_report(api: InProcessClient, prefix: str) -> None:
    report = CORPUS[0]

    assert api.get(prefix + report.id).status_code == 200
    assert api.get(prefix + "0" * 40).status_code == 404


def test_report_ids_in_paths_follow_the_one_generated_id_rule(api: InProcessClient) -> None:
    rules = {
        route.path: [getattr(rule, "pattern", None) for rule in parameter.field_info.metadata]
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for parameter in route.dependant.path_params
    }

    assert rules["/api/reports/{report_id}"] == rules["/reports/{report_id}"] == [GENERATED_ID]
    for path, patterns in rules.items():  # no path parameter of any route is free text
        assert any(pattern and pattern.startswith("^") and pattern.endswith("$") for pattern in patterns), (
            path
        )
    documented = api.get("/openapi.json").json()["paths"]["/api/reports/{report_id}"]["get"]
    assert documented["parameters"][0]["schema"]["pattern"] == GENERATED_ID


@pytest.fixture
def unmapped_api(es_client: Elasticsearch, es_settings: Settings, es_index: str) -> Iterator[InProcessClient]:
    """An index without the project's mapping: every facet is a text field Elasticsearch refuses to count."""
    es_client.index(index=es_index, document={"office": "某某局", "year": "2023"}, refresh=True)
    with in_process(create_app(es_settings)) as client:
        yield client


def test_elasticsearch_refusing_a_search_is_502_without_its_text(
    unmapped_api: InProcessClient, es_index: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="govreports.api"):
        response = unmapped_api.get("/api/search")
        page = unmapped_api.get("/")

    assert response.status_code == 502
    assert response.json() == {"error": "Elasticsearch refused the request", "detail": None}
    assert page.status_code == 502
    assert "Elasticsearch refused the request" in page.text
    for answer in (response.text, page.text):
        assert es_index not in answer and "exception" not in answer and "fielddata" not in answer.lower()
    assert "exception" in caplog.text  # the operator still reads what Elasticsearch said
