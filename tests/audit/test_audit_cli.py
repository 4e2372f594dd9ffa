"""`govreports audit`: recomputes everything, exits 0, and a second run changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from elasticsearch import Elasticsearch

from govreports.settings import Settings
from indexer.synthetic.series import corpus, reports_of
from search_api.testing import index_corpus

pytestmark = pytest.mark.es


def govreports_audit(es_settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOVREPORTS_ES_URL": es_settings.es_url, "GOVREPORTS_INDEX": es_settings.index}
    command = [sys.executable, "-m", "govreports", "audit", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)


@pytest.mark.timeout(300)
def test_audit_recomputes_everything_and_is_idempotent(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    reports = reports_of(corpus(seed=7, offices=8, departing=1.0))
    index_corpus(es_client, es_settings.index, reports)

    first = govreports_audit(es_settings, "--today", "2026-06-01")
    assert first.returncode == 0, first.stderr
    count = len(reports)
    assert f"audit (full): {count} reports of 8 offices looked at, {count} updated" in first.stdout

    second = govreports_audit(es_settings, "--today", "2026-06-01")
    assert second.returncode == 0, second.stderr
    assert ", 0 updated," in second.stdout


def test_a_bad_day_is_one_line(es_settings: Settings) -> None:
    result = govreports_audit(es_settings, "--today", "June")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --today: not a date (YYYY-MM-DD): 'June'"
