"""Scrapy settings as data: the polite default and the fast profile for local portals."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.profiles import scrapy_settings
from govreports.settings import Settings
from indexer.limits import MAX_DOCUMENT_BYTES

SETTINGS = Settings(data_dir=Path("/srv/govreports"), user_agent="govreports/test (+https://example.org/contact)")


def test_polite_is_the_guest_profile() -> None:
    polite = scrapy_settings(SETTINGS, polite=True)
    assert polite["ROBOTSTXT_OBEY"] is True
    assert polite["AUTOTHROTTLE_ENABLED"] is True
    assert polite["CONCURRENT_REQUESTS_PER_DOMAIN"] <= 2
    assert polite["DOWNLOAD_DELAY"] >= 1
    assert polite["RETRY_TIMES"] >= 2 and polite["GOVREPORTS_RETRY_BACKOFF"] > 0
    assert polite["USER_AGENT"] == SETTINGS.user_agent
    assert polite["GOVREPORTS_DATA_DIR"] == "/srv/govreports"


@pytest.mark.parametrize("polite", [True, False])
def test_limits_hold_in_both_profiles(polite: bool) -> None:
    profile = scrapy_settings(SETTINGS, polite=polite)
    assert profile["ROBOTSTXT_OBEY"] is True
    assert profile["DOWNLOAD_MAXSIZE"] == MAX_DOCUMENT_BYTES  # what the parser accepts
    assert 0 < profile["DOWNLOAD_WARNSIZE"] < profile["DOWNLOAD_MAXSIZE"]
    assert profile["DOWNLOAD_TIMEOUT"] > 0
    assert 500 in profile["RETRY_HTTP_CODES"]


def test_fast_only_stops_waiting() -> None:
    fast = scrapy_settings(SETTINGS, polite=False)
    assert (fast["AUTOTHROTTLE_ENABLED"], fast["DOWNLOAD_DELAY"]) == (False, 0)
    assert fast["CONCURRENT_REQUESTS_PER_DOMAIN"] > 2


def test_overrides_come_last() -> None:
    assert scrapy_settings(SETTINGS, polite=True, overrides={"DOWNLOAD_TIMEOUT": 1})["DOWNLOAD_TIMEOUT"] == 1
