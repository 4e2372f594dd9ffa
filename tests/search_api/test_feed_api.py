"""/api/new and /feed.atom through the real app, over reports indexed into the real Elasticsearch."""

from __future__ import annotations

import socket
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import pytest
from elasticsearch import Elasticsearch

from govreports.es_client import delete_prefixed
from govreports.model import AppealGroup, Appeals, ApplicationRow, Applications, Region, Report
from govreports.settings import Settings
from search_api.app import create_app
from search_api.testing import index_corpus, served

pytestmark = pytest.mark.es
Params = dict[str, Any]
BASE = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"


def report(number: int, city: str, *, lawsuits: int = 0, year: int = 2024) -> Report:
    return Report(
        id=f"r{number:02d}",
        title=f"{city}第{number}街道{year}年政府信息公开工作年度报告",
        office=f"{city}第{number}街道办事处",
        region=Region(province="广东省", city=city),
        year=year,
        fetched_at=BASE + timedelta(hours=number),
        content_sha256=f"sha{number}",
        format="html",
        source_url=f"http://127.0.0.1:9/{number}.html",
        text="行政诉讼" if lawsuits else "主动公开",
        applications=Applications(received=ApplicationRow(natural_person=number, total=number)),
        appeals=Appeals(
            litigation_direct=AppealGroup(total=lawsuits), litigation_after_review=AppealGroup(total=0)
        ),
    )


# Reports first seen an hour apart: r01 oldest, r12 newest.
CORPUS = [
    report(n, "广州市" if n % 3 else "深圳市", lawsuits=n % 4 == 0, year=2024 if n % 2 else 2023)
    for n in range(1, 13)
]


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[httpx.Client]:
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(es_client, alias, CORPUS)
    settings = es_session_settings.model_copy(update={"index": alias})
    port = _free_port()
    with served(create_app(settings), port) as base_url, httpx.Client(base_url=base_url) as client:
        yield client
    delete_prefixed(es_client, alias)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def expected(
    since: datetime | None, *, cities: tuple[str, ...] = (), years: tuple[int, ...] = ()
) -> list[str]:
    """Ids a correct answer lists, newest first: computed here from the corpus, not read back."""
    chosen = [
        r
        for r in CORPUS
        if (since is None or (r.fetched_at is not None and r.fetched_at > since))
        and (not cities or r.region.city in cities)
        and (not years or r.year in years)
    ]
    return [r.id for r in sorted(chosen, key=lambda r: r.fetched_at or BASE, reverse=True)]


def feed(api: httpx.Client, params: Params) -> feedparser.FeedParserDict:
    response = api.get("/feed.atom", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    root = ET.fromstring(response.content)
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}link") is not None
    return parsed


def new_ids(api: httpx.Client, params: Params) -> list[str]:
    response = api.get("/api/new", params=params)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


@pytest.mark.parametrize(
    ("params", "since", "wanted"),
    [
        ({}, BASE + timedelta(hours=6), expected(BASE + timedelta(hours=6))),
        (
            {"city": "广州市"},
            BASE + timedelta(hours=2),
            expected(BASE + timedelta(hours=2), cities=("广州市",)),
        ),
        ({"city": ["广州市", "深圳市"], "year": 2023}, BASE, expected(BASE, years=(2023,))),
        ({"city": "深圳市"}, BASE + timedelta(hours=12), []),
    ],
)
def test_new_lists_reports_first_seen_after_since_newest_first(
    api: httpx.Client, params: Params, since: datetime, wanted: list[str]
) -> None:
    response = api.get("/api/new", params={**params, "since": since.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert [hit["id"] for hit in body["hits"]] == wanted
    assert body["total"] == len(wanted)
    assert all(hit["first_seen_at"] for hit in body["hits"])


def test_new_takes_the_search_filters(api: httpx.Client) -> None:
    ids = new_ids(api, {"since": BASE.isoformat(), "q": "行政诉讼", "min_lawsuits": 1})
    assert ids == ["r12", "r08", "r04"]


def test_new_pages(api: httpx.Client) -> None:
    first = new_ids(api, {"since": BASE.isoformat(), "size": 5})
    second = new_ids(api, {"since": BASE.isoformat(), "size": 5, "page": 2})
    assert first + second == expected(BASE)[:10]


def test_an_unencoded_plus_in_since_is_read_as_an_offset(api: httpx.Client) -> None:
    # 20:00+08:00 is 12:00Z, four hours after BASE.
    response = api.get("/api/new?since=2025-02-01T20:00:00+08:00")
    assert response.status_code == 200
    assert [hit["id"] for hit in response.json()["hits"]] == expected(BASE + timedelta(hours=4))


@pytest.mark.parametrize("query", ["", "since=yesterday", "since=2025-13-01", "since=2025-01-01&size=1000"])
def test_bad_since_is_422(api: httpx.Client, query: str) -> None:
    response = api.get(f"/api/new?{query}")
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"city": "广州市"},
        {"year": 2023},
        {"q": "行政诉讼"},
        {"city": "深圳市", "since": BASE.isoformat()},
    ],
)
def test_feed_entries_match_new_for_the_same_filters(api: httpx.Client, params: Params) -> None:
    parsed = feed(api, params)
    since = params.get("since") or "1970-01-01T00:00:00Z"
    ids = new_ids(api, {**params, "since": since, "size": 50})
    assert [entry.id for entry in parsed.entries] == [f"urn:govreports:report:{i}" for i in ids]
    assert ids  # the comparison means something only if there are entries


def test_feed_entries_carry_office_year_totals_and_link(api: httpx.Client) -> None:
    parsed = feed(api, {"city": "深圳市"})
    newest = parsed.entries[0]
    source = next(r for r in CORPUS if r.id == "r12")
    assert newest.id == "urn:govreports:report:r12"
    assert newest.title == source.title
    assert newest.link == source.source_url
    assert newest.author == source.office
    assert newest.updated == "2025-02-01T20:00:00+00:00"
    assert "2023年" in newest.summary and "收到申请 12" in newest.summary
    assert parsed.feed.updated == newest.updated


def test_feed_id_depends_on_the_filters_only(api: httpx.Client) -> None:
    a = feed(api, {"city": "广州市", "year": 2024, "size": 3})
    b = feed(api, {"year": 2024, "city": "广州市"})
    c = feed(api, {"city": "深圳市"})
    assert a.feed.id == b.feed.id != c.feed.id
    assert len(a.entries) == 3
