"""The Content-Security-Policy in headless Chromium: the page, its chart and tooltip, a report and
Swagger UI at /docs all work under it, and the browser reports no violation of it."""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from govreports.es_client import delete_prefixed
from govreports.settings import Settings
from search_api.app import create_app
from search_api.testing import index_corpus, served, synthetic_corpus

pytestmark = [pytest.mark.es, pytest.mark.browser]

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1360,1000")


@pytest.fixture(scope="module")
def base_url(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[str]:
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(es_client, alias, synthetic_corpus(seed=161, offices=8))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        with served(create_app(es_session_settings.model_copy(update={"index": alias})), port) as url:
            yield url
    finally:
        delete_prefixed(es_client, alias)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations are console errors
    with tempfile.TemporaryDirectory(prefix="govreports-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def violations(browser: webdriver.Chrome) -> list[str]:
    """Console messages since the last call that say the Content-Security-Policy refused something."""
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry["message"] for entry in entries if "Content Security Policy" in entry["message"]]


def wait(browser: webdriver.Chrome, css: str) -> None:
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, css))


def test_the_page_and_the_api_docs_work_under_the_policy(browser: webdriver.Chrome, base_url: str) -> None:
    browser.get(base_url + "/")
    wait(browser, "#chart[data-drawn]")
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "chart")).perform()
    wait(browser, "#chart .chart-tip .mark")  # the tooltip, drawn as elements
    browser.find_element(By.CSS_SELECTOR, "li.hit h3 a").click()
    wait(browser, "#report #section-applications")
    assert violations(browser) == []

    browser.get(base_url + "/docs")
    wait(browser, ".opblock-summary")
    browser.find_element(By.CSS_SELECTOR, "#operations-search-search_api_search_get .opblock-summary").click()
    wait(browser, ".try-out__btn")
    browser.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    browser.find_element(By.CSS_SELECTOR, ".btn.execute").click()
    wait(browser, ".live-responses-table tr.response .response-col_status")
    assert (
        browser.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status").text
        == "200"
    )
    assert violations(browser) == []


def test_the_policy_refuses_an_injected_inline_script(browser: webdriver.Chrome, base_url: str) -> None:
    browser.get(base_url + "/")
    browser.execute_script(
        "const script = document.createElement('script');"
        "script.textContent = 'window.injected = true';"
        "document.body.appendChild(script);"
    )

    assert browser.execute_script("return window.injected === true") is False
    assert any("script-src 'self'" in message for message in violations(browser))
