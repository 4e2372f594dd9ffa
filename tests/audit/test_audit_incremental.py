"""The incremental audit after an index run ends where a full audit ends, and both are idempotent.

One index gets the reports in two runs (the second adds a new year, back-fills earlier reports,
revises some narratives into copies and some copies back) with a full audit after the first run
and an incremental one after the second; another index gets everything at once and a full audit.
Report fields, office documents and findings must be the same in both.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from audit.run import full_audit, incremental_audit
from audit.store import AuditIndices
from govreports.es_client import delete_prefixed
from govreports.model import Report
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.synthetic.series import BOILERPLATE, PROVINCE_SENTENCE, corpus, lightly_edited, reports_of
from indexer.writer import index_reports

pytestmark = pytest.mark.es

TODAY = date(2026, 6, 1)


def published(report: Report) -> date:
    assert report.published_date is not None  # the generator dates every report
    return report.published_date


def split(reports: list[Report], seed: int) -> tuple[list[Report], list[Report]]:
    """The reports of a first run, and those of a second: every 2025 report, some back-filled
    earlier ones, and new versions of some first-run reports (narratives copied, or rewritten)."""
    rng = random.Random(seed)
    offices = sorted({report.source_site or "" for report in reports})
    publishing = set(rng.sample(offices, len(offices) // 3))  # their 2025 reports come in the second run
    later = [
        report
        for report in reports
        if (report.year == 2025 and report.source_site in publishing) or rng.random() < 0.03
    ]
    first = [report for report in reports if report not in later]
    revised = []
    for report in rng.sample(first, 8):
        source = rng.choice([other for other in first if published(other) < published(report)])
        sections = lightly_edited(rng, source.sections, {source.office or "": report.office or ""})
        revised.append(report.model_copy(update={"sections": sections, "content_sha256": "f" * 64}))
    return first, later + revised


def snapshot(client: Elasticsearch, alias: str) -> dict[str, Any]:
    """Everything the audit writes, comparable across two indices."""
    indices = AuditIndices(alias)
    reports = {
        hit["_id"]: {
            key: hit["_source"].get(key) for key in ("office_id", "cross_year", "timeliness", "reuse")
        }
        for hit in client.search(index=alias, size=10_000)["hits"]["hits"]
    }
    offices = {
        hit["_id"]: hit["_source"]
        for hit in client.search(index=indices.offices, size=10_000)["hits"]["hits"]
    }
    findings = {
        hit["_id"]: hit["_source"]
        for hit in client.search(index=indices.findings, size=10_000)["hits"]["hits"]
    }
    return {"reports": reports, "offices": offices, "findings": findings}


@pytest.fixture
def aliases(es_client: Elasticsearch) -> Iterator[tuple[str, str]]:
    names = (f"test-{uuid.uuid4().hex}", f"test-{uuid.uuid4().hex}")
    yield names
    for name in names:
        delete_prefixed(es_client, name)


def settings_for(base: Settings, alias: str, **audit: Any) -> Settings:
    return base.model_copy(update={"index": alias, **audit})


def index(client: Elasticsearch, alias: str, reports: list[Report]) -> list[str]:
    ensure_index(client, alias)
    summary = index_reports(client, alias, reports)
    assert summary.failed == 0
    client.indices.refresh(index=alias)
    return [outcome.id for outcome in summary.outcomes if outcome.id]


def final(reports: list[Report], second: list[Report]) -> list[Report]:
    by_id = {report.id: report for report in reports}
    by_id.update({report.id: report for report in second})
    return list(by_id.values())


@pytest.mark.timeout(300)
def test_incremental_after_an_index_run_equals_a_full_audit(
    es_client: Elasticsearch, es_session_settings: Settings, aliases: tuple[str, str]
) -> None:
    stepwise, at_once = aliases
    reports = reports_of(corpus(seed=23, offices=45, departing=0.5, copies_across=8))
    first, second = split(reports, seed=5)
    # A provincial sentence that the second run makes boilerplate: the incremental audit must
    # notice that sentences outside the reports it was given changed status.
    provinces = Counter(report.region.province for report in first)
    province = max(provinces, key=lambda name: sum(report.region.province == name for report in second))
    threshold = provinces[province] + 1
    assert sum(report.region.province == province for report in second) >= 1
    audit_settings = {"audit_boilerplate_min_reports": threshold, "audit_boilerplate_share": 0.01}

    one = settings_for(es_session_settings, stepwise, **audit_settings)
    index(es_client, stepwise, first)
    full_audit(es_client, one, today=TODAY)
    written = index(es_client, stepwise, second)
    summary = incremental_audit(es_client, one, written, today=TODAY)
    assert summary.reports < len(reports)  # it did not look at everything

    other = settings_for(es_session_settings, at_once, **audit_settings)
    index(es_client, at_once, final(reports, second))
    full_audit(es_client, other, today=TODAY)

    incremental, whole = snapshot(es_client, stepwise), snapshot(es_client, at_once)
    assert incremental["reports"] == whole["reports"]
    assert incremental["offices"] == whole["offices"]
    assert incremental["findings"] == whole["findings"]
    assert any(finding["rule"] == "copied" for finding in whole["findings"].values())
    assert PROVINCE_SENTENCE and BOILERPLATE  # the generator's shared sentences are what moved

    again = full_audit(es_client, one, today=TODAY)
    assert again.updated == 0  # idempotent: nothing left to change
    assert incremental_audit(es_client, one, [], today=TODAY).updated == 0
