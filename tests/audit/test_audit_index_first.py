"""A large index run is audited before it writes: each report is written once, with the audit fields
that `govreports audit` computes afterwards; reports already in the index get partial updates
only where their fields changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from audit.run import AuditFirst, AuditSummary, after_index, full_audit
from audit.store import AuditIndices, read_state
from govreports.model import Report
from govreports.settings import Settings
from indexer import run
from indexer.limits import Announce
from indexer.synthetic.series import corpus, reports_of
from indexer.writer import index_reports

pytestmark = pytest.mark.es

TODAY = date(2026, 6, 1)


class ReportFile(run.FileItem):
    """A report saved as its model's JSON: the index run without the parser's time."""

    def parse(self, announce: Announce) -> Report:
        data = self.path.read_bytes()
        announce(data, "json")
        return Report.model_validate_json(data)


def saved(reports: list[Report], folder: Path) -> list[run.WorkItem]:
    folder.mkdir()
    items: list[run.WorkItem] = []
    for n, report in enumerate(reports):
        path = folder / f"{n:04d}.json"
        path.write_text(report.model_dump_json(), encoding="utf-8")
        items.append(ReportFile(path, f"{n}"))
    return items


def options(client: Elasticsearch, settings: Settings, summaries: list[AuditSummary]) -> run.Options:
    def audit_first(index: str) -> AuditFirst:
        return AuditFirst(client, settings, index, today=TODAY, report=summaries.append)

    def audit_after(index: str, touched: list[str] | None) -> None:
        summaries.append(after_index(client, settings, index, touched))

    # Batches of 10: several bulk requests in flight as it writes.
    return run.Options(
        batch_size=10, workers=1, audit=audit_after, audit_first=audit_first, audit_first_at=20
    )


def index_saved(
    client: Elasticsearch, settings: Settings, data_dir: Path, reports: list[Report],
    summaries: list[AuditSummary],
) -> run.JobResult:
    """An index run of `reports`, saved as files, into the settings' index."""
    items = saved(reports, data_dir / "in")
    with_audit = options(client, settings, summaries)
    return run.index_items(client, settings.index, data_dir, with_audit, items, "test")


def audit_state(client: Elasticsearch, alias: str) -> dict[str, Any]:
    """The reports' audit fields and versions, the offices and the findings."""
    indices = AuditIndices(alias)
    client.indices.refresh(index=[alias, indices.offices, indices.findings])
    hits = client.search(index=alias, size=1000, version=True)["hits"]["hits"]
    return {
        "fields": {
            hit["_id"]: {
                key: hit["_source"].get(key) for key in ("office_id", "cross_year", "timeliness", "reuse")
            }
            for hit in hits
        },
        "versions": {hit["_id"]: hit["_version"] for hit in hits},
        "offices": {
            hit["_id"]: hit["_source"]
            for hit in client.search(index=indices.offices, size=1000)["hits"]["hits"]
        },
        "findings": {
            hit["_id"]: hit["_source"]
            for hit in client.search(index=indices.findings, size=1000)["hits"]["hits"]
        },
    }


@pytest.mark.timeout(300)
def test_a_fresh_large_run_writes_each_report_once_with_its_audit(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, tmp_path: Path
) -> None:
    reports = reports_of(corpus(seed=41, offices=12, departing=1.0, copies_across=3))
    summaries: list[AuditSummary] = []
    result = index_saved(es_client, es_settings, tmp_path, reports, summaries)

    assert result.audited and result.summary.new == len(reports) > 20
    (summary,) = summaries  # the audit before writing, and none after
    assert summary.written == len(reports) and summary.updated == 0
    before = audit_state(es_client, es_index)
    assert set(before["versions"].values()) == {1}  # each report indexed once
    assert all(fields["timeliness"] and fields["office_id"] for fields in before["fields"].values())
    assert before["findings"]
    assert read_state(es_client, AuditIndices(es_index)) is not None
    assert not list((tmp_path / "index-state").glob("spool-*"))  # the spool is gone

    assert full_audit(es_client, es_settings, today=TODAY).updated == 0
    after = audit_state(es_client, es_index)
    assert after == before  # what `govreports audit` computes, it found written already


@pytest.mark.timeout(300)
def test_a_large_run_into_an_audited_index_updates_only_the_reports_it_changed(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, tmp_path: Path
) -> None:
    reports = reports_of(corpus(seed=43, offices=12, departing=1.0, copies_across=3))
    earlier = [report for report in reports if report.year is not None and report.year < 2023]
    later = [report for report in reports if report not in earlier]
    assert index_reports(es_client, es_index, earlier).failed == 0
    full_audit(es_client, es_settings, today=TODAY)

    summaries: list[AuditSummary] = []
    result = index_saved(es_client, es_settings, tmp_path, later, summaries)

    assert result.audited and summaries[0].written == len(later)
    before = audit_state(es_client, es_index)
    assert {before["versions"][report.id] for report in later} == {1}
    assert full_audit(es_client, es_settings, today=TODAY).updated == 0
    assert audit_state(es_client, es_index) == before


@pytest.mark.timeout(300)
def test_a_report_twice_in_one_large_run_is_audited_as_the_writer_merges_it(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, tmp_path: Path
) -> None:
    reports = reports_of(corpus(seed=47, offices=8, departing=1.0, copies_across=2))
    undated = reports[0].model_copy(update={"published_date": None})  # its order: first seen
    fetched = undated.fetched_at or datetime(2020, 1, 1, tzinfo=UTC)
    later = undated.model_copy(
        update={"content_sha256": "f" * 64, "fetched_at": fetched + timedelta(days=400)}
    )
    summaries: list[AuditSummary] = []
    items = saved([undated, *reports[1:], later], tmp_path / "in")  # batches of 10 apart
    run.index_items(es_client, es_index, tmp_path, options(es_client, es_settings, summaries), items, "test")

    stored = es_client.get(index=es_index, id=undated.id)["_source"]
    assert stored["content_sha256"] == "f" * 64 and len(stored["revisions"]) == 1
    assert stored["first_seen_at"].startswith(fetched.date().isoformat())  # kept from the first copy
    before = audit_state(es_client, es_index)
    assert full_audit(es_client, es_settings, today=TODAY).updated == 0
    assert audit_state(es_client, es_index) == before
