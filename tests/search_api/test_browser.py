"""The web page in headless Chromium: search, narrow by facets, open a report.

The app is served by uvicorn on a free loopback port over a real index; what the
page shows is compared with what /api/search answers for the same parameters.
Screenshots go to tests/artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from govreports.es_client import delete_prefixed
from govreports.settings import Settings
from search_api.app import create_app
from search_api.testing import index_corpus, served, synthetic_corpus

pytestmark = [pytest.mark.es, pytest.mark.browser]

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1360,1000",
)
KEYWORD = "依申请公开"


@pytest.fixture(scope="module")
def base_url(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[str]:
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(es_client, alias, synthetic_corpus(seed=99, offices=30))
    app = create_app(es_session_settings.model_copy(update={"index": alias}))
    try:
        with served(app, port=_free_port()) as url:
            yield url
    finally:
        delete_prefixed(es_client, alias)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="govreports-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def api_search(base_url: str, params: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{base_url}/api/search", params=params, timeout=30).json()
    return body


def shown_total(browser: WebDriver) -> int:
    return int(browser.find_element(By.ID, "total").text.replace(",", ""))


def shown_ids(browser: WebDriver) -> list[str]:
    return [hit.get_attribute("data-id") or "" for hit in browser.find_elements(By.CSS_SELECTOR, "li.hit")]


def shown_facet(browser: WebDriver, facet: str) -> dict[str, int]:
    counts = {}
    for option in browser.find_elements(By.CSS_SELECTOR, f"#facet-{facet} label.option"):
        value = option.find_element(By.TAG_NAME, "input").get_attribute("value") or ""
        count = option.find_elements(By.CLASS_NAME, "count")
        if count:
            counts[value] = int(count[0].get_attribute("textContent") or "0")
    return counts


def api_facet(body: dict[str, Any], facet: str) -> dict[str, int]:
    return {str(entry["value"]): entry["count"] for entry in body["facets"][facet]}


def reloaded_after(browser: WebDriver, act: Callable[[], None]) -> None:
    """Do `act` (a click, a key) and wait until the page it submits has replaced this one.

    The old page is marked in JavaScript and the new one is recognised by the missing
    mark: asking whether an element went stale can instead fail mid-navigation with
    Chromium's "Node with given id does not belong to the document", so errors of the
    driver while the next page loads are waited out, not taken as the answer.
    """
    browser.execute_script("window.govreportsOldPage = true")
    act()
    WebDriverWait(browser, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script("return window.govreportsOldPage === undefined")
        and driver.find_elements(By.ID, "total")
    )


def screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1360, min(max(int(height), 900), 4000))
    browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    browser.set_window_size(1360, 1000)


def assert_page_matches_api(browser: WebDriver, body: dict[str, Any]) -> None:
    assert shown_total(browser) == body["total"]
    assert shown_ids(browser) == [hit["id"] for hit in body["hits"]]
    for facet in ("year", "province", "level"):
        assert shown_facet(browser, facet) == api_facet(body, facet), facet


def wait_for_chart(browser: WebDriver) -> None:
    WebDriverWait(browser, 15).until(
        lambda driver: driver.find_element(By.ID, "chart").get_attribute("data-drawn")
    )


def test_search_narrow_and_open_a_report(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    assert_page_matches_api(browser, api_search(base_url, {}))
    wait_for_chart(browser)
    screenshot(browser, "01-everything")

    search_box = browser.find_element(By.ID, "q")
    search_box.send_keys(KEYWORD)
    reloaded_after(browser, browser.find_element(By.CSS_SELECTOR, ".searchbar button").click)
    by_keyword = api_search(base_url, {"q": KEYWORD})
    assert 0 < by_keyword["total"] < api_search(base_url, {})["total"]
    assert_page_matches_api(browser, by_keyword)
    assert browser.find_elements(By.CSS_SELECTOR, "li.hit .snippet em")

    year = max(by_keyword["facets"]["year"], key=lambda entry: entry["count"])["value"]
    reloaded_after(browser, browser.find_element(By.CSS_SELECTOR, f"#facet-year input[value='{year}']").click)
    by_year = api_search(base_url, {"q": KEYWORD, "year": year})
    assert by_year["total"] < by_keyword["total"]
    assert_page_matches_api(browser, by_year)

    province = by_year["facets"]["province"][0]["value"]
    reloaded_after(
        browser, browser.find_element(By.CSS_SELECTOR, f"#facet-province input[value='{province}']").click
    )
    by_province = api_search(base_url, {"q": KEYWORD, "year": year, "province": province})
    assert_page_matches_api(browser, by_province)
    assert browser.find_element(By.CSS_SELECTOR, f"#facet-year input[value='{year}']").is_selected()
    assert browser.find_element(By.CSS_SELECTOR, f"#facet-province input[value='{province}']").is_selected()
    wait_for_chart(browser)
    screenshot(browser, "02-keyword-year-province")

    first = browser.find_element(By.CSS_SELECTOR, "li.hit h3 a")
    title = first.text
    first.click()
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.ID, "report")))
    assert browser.find_element(By.ID, "report-title").text.startswith(title)
    matrix_rows = browser.find_elements(By.CSS_SELECTOR, "#section-applications tbody tr")
    assert len(matrix_rows) in (23, 25)  # （六） as one row, or as its three 2021 sub-rows
    assert browser.find_elements(By.CSS_SELECTOR, "#section-active table")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#section-appeals tbody td")) == 15
    screenshot(browser, "03-report")


def test_an_inconsistent_report_is_flagged_and_its_cells_marked(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/?consistent=false&sort=-applications_received")
    flagged = api_search(base_url, {"consistent": "false", "sort": "-applications_received"})
    assert shown_total(browser) == flagged["total"] > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.hit .flag")) == len(flagged["hits"])

    reloaded_to_report = browser.find_element(By.CSS_SELECTOR, "li.hit h3 a")
    reloaded_to_report.click()
    WebDriverWait(browser, 15).until(expected_conditions.presence_of_element_located((By.ID, "checks")))
    assert browser.find_elements(By.CSS_SELECTOR, "#checks li.fail")
    assert browser.find_elements(By.CSS_SELECTOR, "td.fail")
    screenshot(browser, "04-inconsistent-report")


def test_ranges_narrow_the_results(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    minimum = browser.find_element(By.ID, "min_applications_received")
    minimum.send_keys("20")
    reloaded_after(browser, lambda: minimum.send_keys(Keys.ENTER))

    assert "min_applications_received=20" in browser.current_url
    assert "max_" not in browser.current_url  # blank inputs stay out of the URL
    assert_page_matches_api(browser, api_search(base_url, {"min_applications_received": 20}))
