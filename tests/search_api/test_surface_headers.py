"""Security headers on every answer, pages with nothing inline for the CSP to allow, and absolute
links built from GOVREPORTS_PUBLIC_URL instead of the client's Host header."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import lxml.html
import pytest
from elasticsearch import Elasticsearch

from govreports.model import Report
from govreports.settings import Settings
from search_api.security import CONTENT_SECURITY_POLICY
from search_api.testing import InProcessClient, api_over_corpus, synthetic_corpus

pytestmark = pytest.mark.es

CORPUS: list[Report] = synthetic_corpus(seed=16, offices=3)
PUBLIC_URL = "https://reports.example.org"
FORGED_HOST = "attacker.example"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def api(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[InProcessClient]:
    settings = es_session_settings.model_copy(update={"public_url": PUBLIC_URL})
    with api_over_corpus(es_client, settings, CORPUS) as client:
        yield client


def get(api: InProcessClient, path: str, **headers: str) -> httpx.Response:
    return api.portal.call(functools.partial(api.client.get, path, headers=headers))


PAGES = ["/", "/?q=公开&year=2021", f"/reports/{CORPUS[0].id}", f"/reports/{'0' * 40}", "/docs"]
ANSWERS = [
    *PAGES,
    "/api/search",
    "/api/stats",
    "/openapi.json",
    "/static/app.js",
    "/api/nowhere",
    "/reports/x",
]


@pytest.mark.parametrize("path", ANSWERS)
def test_every_answer_carries_the_security_headers(api: InProcessClient, path: str) -> None:
    headers = get(api, path).headers

    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_the_policy_allows_this_origin_only_and_nothing_inline() -> None:
    directives = dict(directive.split(" ", 1) for directive in CONTENT_SECURITY_POLICY.split("; "))

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_scripts_and_styles_only_as_files_of_this_origin(api: InProcessClient, path: str) -> None:
    page = get(api, path, host=FORGED_HOST)
    html = lxml.html.fromstring(page.text)

    scripts = html.xpath("//script")
    assert all(script.get("src", "").startswith("/static/") for script in scripts)
    assert all(not (script.text or "").strip() for script in scripts)
    assert html.xpath("//link[@rel='stylesheet']/@href")[0].startswith("/static/")
    assert not html.xpath("//style | //*[@style] | //*[starts-with(name(@*), 'on')]")
    for asset in [*html.xpath("//script/@src"), *html.xpath("//link[@rel='stylesheet']/@href")]:
        assert get(api, asset).status_code == 200, asset
    assert FORGED_HOST not in page.text  # asset links are paths, not built from the Host header


def test_feed_links_start_from_the_public_url_not_the_host_header(api: InProcessClient) -> None:
    response = get(api, "/feed.atom?province=四川省&size=5", host=FORGED_HOST)

    assert response.status_code == 200
    feed = ET.fromstring(response.content)
    links = {link.get("rel"): link.get("href") or "" for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == f"{PUBLIC_URL}/feed.atom?province=%E5%9B%9B%E5%B7%9D%E7%9C%81&size=5"
    assert links["alternate"] == f"{PUBLIC_URL}/?province=%E5%9B%9B%E5%B7%9D%E7%9C%81"
    assert FORGED_HOST not in response.text


@pytest.mark.parametrize(
    ("given", "kept"),
    [("https://reports.example.org/", "https://reports.example.org"), ("http://10.0.0.5:8000/gr", None)],
)
def test_the_public_url_is_a_site_address(given: str, kept: str | None) -> None:
    assert Settings(public_url=given).public_url == (kept or given)
    for wrong in ("reports.example.org", "ftp://reports.example.org", "https://reports.example.org/?a=1"):
        with pytest.raises(ValueError, match="not an http"):
            Settings(public_url=wrong)
