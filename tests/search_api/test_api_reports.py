"""/api/reports/{id}, errors, /healthz, the OpenAPI document and the server-rendered pages."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from govreports.model import TOTAL_KEYS, Report
from govreports.settings import Settings
from indexer.documents_es import to_document
from indexer.lifecycle import ensure_index
from indexer.synthetic import random_report
from search_api.app import create_app
from search_api.testing import InProcessClient, api_over_corpus, in_process, synthetic_corpus

pytestmark = pytest.mark.es


BROKEN_ID = "b" * 40  # ids are what the indexer generates: 40 lowercase hex digits


def build_truth() -> list[Report]:
    rng = random.Random(11)
    broken = random_report(rng, template="2021", year=2022, break_rule="balance").truth
    source = "https://www.example.gov.cn/zwgk/broken.html"
    return [
        *synthetic_corpus(seed=3, offices=6),
        broken.model_copy(update={"id": BROKEN_ID, "source_url": source}),
    ]


TRUTH = build_truth()
BY_ID = {report.id: report for report in TRUTH}


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    with api_over_corpus(es_client, es_session_settings, TRUTH) as client:
        yield client


def test_a_report_comes_back_whole(api: InProcessClient) -> None:
    for report in TRUTH:
        response = api.get(f"/api/reports/{report.id}")

        assert response.status_code == 200
        body = response.json()
        assert body["first_seen_at"]  # set by the writer when first indexed
        assert {**body, "first_seen_at": None} == report.model_dump(mode="json")


@pytest.mark.parametrize("report_id", ["0" * 40, "f" * 40])
def test_an_unknown_id_is_404(api: InProcessClient, report_id: str) -> None:
    response = api.get(f"/api/reports/{report_id}")

    assert response.status_code == 404
    assert response.json() == {"error": f"no report has the id {report_id!r}", "detail": None}


@pytest.mark.parametrize(
    ("path", "params", "parameter", "message"),
    [
        ("/api/search", {"page": 200, "size": 100}, "", "page × size may not exceed 10000"),
        ("/api/search", {"size": 500}, "size", "less than or equal to 100"),
        ("/api/search", {"year": "二〇二〇"}, "year.0", "valid integer"),
        ("/api/search", {"sort": "random"}, "sort", "should match pattern"),
        ("/api/search", {"min_lawsuits": "many"}, "min_lawsuits", "valid number"),
        ("/api/search", {"consistent": "perhaps"}, "consistent", "valid boolean"),
        ("/api/search", {"colour": "red"}, "colour", "Extra inputs are not permitted"),
        ("/api/stats", {"page": 2}, "page", "Extra inputs are not permitted"),
        (
            "/api/export.csv",
            {"year_from": 2023, "year_to": 2020},
            "",
            "year_from (2023) is after year_to (2020)",
        ),
        ("/api/reports/bad id!", {}, "report_id", "should match pattern"),
    ],
)
def test_a_bad_parameter_is_422_in_the_one_error_shape(
    api: InProcessClient, path: str, params: dict[str, object], parameter: str, message: str
) -> None:
    response = api.get(path, params=params)

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"].startswith("invalid parameter — ") and message in body["error"]
    assert body["detail"][0]["parameter"] == parameter
    assert message in body["detail"][0]["message"]


def test_the_widest_bounds_reach_elasticsearch_without_error(api: InProcessClient) -> None:
    widest = {"min_lawsuits": -(2**31 - 1), "max_penalties": 2**31 - 1, "max_procurement_yuan": 1e15}

    response = api.get("/api/search", params=widest)

    assert response.status_code == 200
    assert response.json()["total"] == sum(
        report.totals.lawsuits is not None
        for report in TRUTH
        if report.totals.penalties is not None and report.totals.procurement_yuan is not None
    )


def test_unknown_paths_and_methods_use_the_error_shape(api: InProcessClient) -> None:
    missing = api.get("/api/nothing-here")
    assert (missing.status_code, missing.json()) == (404, {"error": "not found", "detail": None})
    wrong = api.portal.call(api.client.post, "/api/search")
    assert (wrong.status_code, wrong.json()) == (405, {"error": "method not allowed", "detail": None})


def test_health_reports_the_cluster_and_the_index(api: InProcessClient) -> None:
    body = api.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["elasticsearch"]["reachable"] is True
    assert body["elasticsearch"]["status"] in ("green", "yellow")
    assert body["elasticsearch"]["documents"] == len(TRUTH)


@pytest.fixture
def unreachable_api(es_session_settings: Settings, free_port: int) -> Iterator[InProcessClient]:
    settings = es_session_settings.model_copy(update={"es_url": f"http://127.0.0.1:{free_port}"})
    with in_process(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/api/search?q=公开", f"/api/reports/{'a' * 40}", "/api/stats", "/api/export.csv"]
)
def test_an_unreachable_elasticsearch_is_503(unreachable_api: InProcessClient, path: str) -> None:
    response = unreachable_api.get(path)

    assert response.status_code == 503
    assert response.json()["error"] == "the search backend is unavailable"


def test_health_is_503_when_elasticsearch_is_unreachable(unreachable_api: InProcessClient) -> None:
    response = unreachable_api.get("/healthz")

    assert response.status_code == 503
    assert response.json()["elasticsearch"]["reachable"] is False


def test_a_missing_index_is_503_with_what_to_do(es_session_settings: Settings) -> None:
    settings = es_session_settings.model_copy(update={"index": f"test-{uuid.uuid4().hex}"})
    with in_process(create_app(settings)) as client:
        response = client.get("/api/search")
        health = client.get("/healthz").json()

    assert response.status_code == 503
    assert "does not exist yet" in response.json()["error"]
    assert health["elasticsearch"]["index_exists"] is False


def test_a_stored_report_that_does_not_fit_the_model_is_a_clear_502(
    es_client: Elasticsearch, es_settings: Settings, es_index: str
) -> None:
    ensure_index(es_client, es_index)
    stray_id = "5" * 40
    stray = {**to_document(TRUTH[0]), "id": stray_id, "format": "exe"}  # written by something else
    es_client.index(index=es_index, id=stray_id, document=stray, refresh=True)

    with in_process(create_app(es_settings)) as client:
        response = client.get(f"/api/reports/{stray_id}")

    assert response.status_code == 502
    assert response.json()["error"].startswith(f"the stored report '{stray_id}' does not fit the report")


def test_openapi_documents_every_parameter_and_the_error_shape(api: InProcessClient) -> None:
    schema = api.get("/openapi.json").json()
    search = schema["paths"]["/api/search"]["get"]
    names = {parameter["name"] for parameter in search["parameters"]}

    assert {f"min_{key}" for key in TOTAL_KEYS} | {f"max_{key}" for key in TOTAL_KEYS} <= names
    assert {"q", "office", "province", "city", "county", "level", "template", "year", "sort", "page"} <= names
    assert search["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert {"/api/search", "/api/reports/{report_id}", "/api/stats", "/api/export.csv", "/healthz"} <= set(
        schema["paths"]
    )
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    assert api.get("/static/vendor/swagger-ui/swagger-ui.css").status_code == 200


def test_the_search_page_shows_results_facets_and_flags(api: InProcessClient) -> None:
    inconsistent = sum(report.consistent is False for report in TRUTH)

    page = api.get("/", params={"consistent": "false", "size": 100})

    assert page.status_code == 200
    html = page.text
    assert f'<strong id="total">{inconsistent}</strong>' in html
    assert html.count('class="hit"') == inconsistent
    assert html.count('class="flag"') == inconsistent
    assert 'name="year"' in html and 'name="province"' in html
    assert "/static/vendor/echarts.min.js" in html


def test_the_search_page_explains_a_bad_parameter(api: InProcessClient) -> None:
    page = api.get("/", params={"year_from": 2024, "year_to": 2019})

    assert page.status_code == 422
    assert "year_from (2024) is after year_to (2019)" in page.text


def test_the_report_page_lays_out_the_form_and_marks_failing_cells(api: InProcessClient) -> None:
    report = BY_ID[BROKEN_ID]

    html = api.get(f"/reports/{report.id}").text

    assert report.title is not None and report.title in html
    for heading in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议",
    ):
        assert heading in html
    assert "（三）不予公开" in html and "1.属于国家秘密" in html and "法律服务机构" in html
    assert "未经复议直接起诉" in html and "复议后起诉" in html
    marked = re.findall(r'<tr data-row="(\w+)">', html)
    assert marked[0] == "received" and marked[-1] == "carried_forward"
    assert html.count("num fail") >= 4  # balance marks both sides of the failing column
    assert '<a id="source-link" href="https://www.example.gov.cn/zwgk/broken.html"' in html


def test_the_report_page_of_an_unknown_id_is_404(api: InProcessClient) -> None:
    page = api.get("/reports/" + "f" * 40)

    assert page.status_code == 404
    assert "no report has the id" in page.text


def test_static_files_are_served_from_the_package(api: InProcessClient) -> None:
    assert api.get("/static/app.js").status_code == 200
    assert (
        api.get("/static/vendor/echarts.min.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
