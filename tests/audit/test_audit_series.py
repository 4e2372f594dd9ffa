"""The property test of the audit across the years: over generated series of 220 offices (2019–2025,
across the 2020 → 2021 template change, printed under varying region prefixes), the audit finds
every planted departure and nothing else."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date

import pytest

from audit.book import AuditConfig, assigned_office_id
from audit.deadlines import load_rules
from audit.facts import from_report
from audit.run import Audited, audit_everything
from govreports.model import Report
from indexer.synthetic.series import OfficeSeries, corpus, reports_of

TODAY = date(2026, 6, 1)
CONFIG = AuditConfig(
    rules=(),
    deadlines=load_rules(),
    grace_days=30,
    threshold=0.5,
    boilerplate_share=0.2,
    boilerplate_min_reports=50,
    today=TODAY,
)
Key = tuple[str | None, str, int | None, str | None]


def narrative(report: Report) -> list[str]:
    sections = report.sections
    return [text for text in (sections.overview, sections.problems, sections.other) if text]


def audit(series: list[OfficeSeries]) -> Audited:
    return audit_everything(
        CONFIG, [(from_report(report), narrative(report)) for report in reports_of(series)], {}
    )


def planted(series: list[OfficeSeries]) -> set[Key]:
    expected: set[Key] = set()
    for item in series:
        office = assigned_office_id(from_report(item.reports[0]), ())
        for departure in item.planted:
            other = departure.other_report_id if departure.rule == "copied" else None
            expected.add((office, departure.rule, departure.year, other))
    return expected


def found(audited: Audited) -> set[Key]:
    return {
        (
            finding.office_id,
            finding.rule,
            finding.year,
            finding.other_report_id if finding.rule == "copied" else None,
        )
        for finding in audited.findings
    }


@pytest.fixture(scope="module")
def generated() -> list[OfficeSeries]:
    return corpus(seed=19, offices=220, departing=0.4, copies_across=25)


@pytest.fixture(scope="module")
def audited(generated: list[OfficeSeries]) -> Audited:
    return audit(generated)


def test_the_corpus_plants_every_kind_of_departure(generated: list[OfficeSeries]) -> None:
    kinds = Counter(departure.rule for item in generated for departure in item.planted)
    assert set(kinds) == {"carry_chain", "in_force_chain", "items_chain", "late", "copied", "missing"}
    assert min(kinds.values()) >= 10
    clean = [item for item in generated if not item.planted]
    assert len(clean) >= 100


def test_each_series_is_one_office_whatever_prefix_it_is_printed_under(
    generated: list[OfficeSeries], audited: Audited
) -> None:
    for item in generated:
        offices = {audited.book.office_of[report.id] for report in item.reports}
        assert len(offices) == 1, {report.office for report in item.reports}
    assert len(audited.book.members) == len(generated)
    printed = {report.office for item in generated for report in item.reports}
    assert len(printed) > 2 * len(generated)  # the prefixes vary


def test_every_planted_finding_is_found_and_no_other(generated: list[OfficeSeries], audited: Audited) -> None:
    assert found(audited) - planted(generated) == set(), "false findings"
    assert planted(generated) - found(audited) == set(), "planted findings missed"


def test_clean_series_chain_across_the_template_change(
    generated: list[OfficeSeries], audited: Audited
) -> None:
    clean = [report for item in generated if not item.planted for report in item.reports]
    statuses = Counter(
        (report.year, audited.book.audits[report.id].cross_year.carry_chain.status)  # type: ignore[union-attr]
        for report in clean
    )
    assert statuses[(2021, "ok")] == len([report for report in clean if report.year == 2021])
    assert statuses[(2019, "not_assessable")] > 0  # no 2018 report


def test_clean_narratives_score_far_below_the_threshold(
    generated: list[OfficeSeries], audited: Audited
) -> None:
    scores = [
        max(reuse.previous or 0.0, reuse.nearest or 0.0)
        for item in generated
        if not item.planted
        for report in item.reports
        if (reuse := audited.book.audits[report.id].reuse) is not None
    ]
    assert scores and max(scores) < 0.3


@pytest.mark.timeout(120)
def test_the_whole_audit_of_1500_reports_takes_seconds(generated: list[OfficeSeries]) -> None:
    started = time.process_time()
    audit(generated)
    assert time.process_time() - started < 30
