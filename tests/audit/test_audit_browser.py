"""In headless Chromium: an office page draws its chart, and a finding of /api/audit leads to both
reports, each marking the cells that break the chain; nothing breaks the Content-Security-Policy."""

from __future__ import annotations

import socket
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from elasticsearch import Elasticsearch
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from audit.run import full_audit
from govreports.es_client import delete_prefixed
from govreports.settings import Settings
from indexer.synthetic.series import corpus, reports_of
from search_api.app import create_app
from search_api.testing import index_corpus, served

pytestmark = [pytest.mark.es, pytest.mark.browser]

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1360,1000")


@pytest.fixture(scope="module")
def base_url(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[str]:
    alias = f"test-{uuid.uuid4().hex}"
    settings = es_session_settings.model_copy(update={"index": alias})
    index_corpus(es_client, alias, reports_of(corpus(seed=43, offices=10, departing=1.0)))
    full_audit(es_client, settings, today=date(2026, 6, 1))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        with served(create_app(settings), port) as url:
            yield url
    finally:
        delete_prefixed(es_client, alias)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory(prefix="govreports-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def wait(browser: webdriver.Chrome, css: str) -> None:
    WebDriverWait(browser, 20).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, css))


def violations(browser: webdriver.Chrome) -> list[str]:
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry["message"] for entry in entries if "Content Security Policy" in entry["message"]]


def test_an_office_page_and_a_finding_followed_to_both_reports(
    browser: webdriver.Chrome, base_url: str
) -> None:
    found = httpx.get(f"{base_url}/api/audit", params={"rule": "carry_chain", "size": 1}).json()["findings"][
        0
    ]
    office_id, report_id, other_id = found["office_id"], found["report_id"], found["other_report_id"]

    browser.get(f"{base_url}/offices/{office_id}")
    wait(browser, "#office-chart[data-drawn]")
    assert browser.find_elements(By.CSS_SELECTOR, "#office-chart svg")
    finding = (
        f'#office-findings li[data-rule="carry_chain"]:has(a.finding-report[href="/reports/{report_id}"])'
    )
    browser.find_element(By.CSS_SELECTOR, f"{finding} a.finding-report").click()
    wait(browser, "#report #office-years")
    assert browser.find_element(By.ID, "report").get_attribute("data-id") == report_id
    later_cells = browser.find_elements(By.CSS_SELECTOR, "#section-applications td.chain-break")
    assert later_cells  # 二、上年结转 here

    browser.back()
    wait(browser, "#office-findings")
    browser.find_element(By.CSS_SELECTOR, f"{finding} a.finding-other").click()
    wait(browser, "#report #office-years")
    assert browser.find_element(By.ID, "report").get_attribute("data-id") == other_id
    earlier_cells = browser.find_elements(
        By.CSS_SELECTOR, '#section-applications tr[data-row="carried_forward"] td.chain-break'
    )
    assert earlier_cells  # 四、结转下年度 there
    browser.find_element(By.ID, "next-report").click()  # consecutive reports link to each other
    wait(browser, "#report #office-years")
    assert browser.find_element(By.ID, "report").get_attribute("data-id") == report_id
    assert violations(browser) == []
