"""Missing reports need evidence of absence; without it the status is unknown."""

from __future__ import annotations

from datetime import date, timedelta

from audit.deadlines import Deadline
from audit.missing import missing_years


def deadline_of(year: int) -> Deadline:
    return Deadline(date(year + 1, 3, 31), "art. 49")


def never_crawled(day: date) -> date | None:
    return None


def test_a_later_report_is_evidence() -> None:
    found = missing_years(
        {2020, 2022}, deadline_of, today=date(2024, 6, 1), grace_days=30, crawled_after=never_crawled
    )
    assert [(entry.year, entry.status) for entry in found] == [(2021, "missing"), (2023, "unknown")]


def test_a_successful_crawl_after_the_deadline_is_evidence() -> None:
    def crawled(day: date) -> date | None:
        return day + timedelta(days=3)

    found = missing_years({2022}, deadline_of, today=date(2024, 6, 1), grace_days=30, crawled_after=crawled)
    assert [(entry.year, entry.status) for entry in found] == [(2023, "missing")]
    assert "crawl" in found[0].detail


def test_nothing_before_the_deadline_and_grace() -> None:
    found = missing_years(
        {2022}, deadline_of, today=date(2024, 4, 20), grace_days=30, crawled_after=lambda day: day
    )
    assert found == []


def test_without_evidence_an_office_is_not_accused() -> None:
    found = missing_years(
        {2022}, deadline_of, today=date(2025, 1, 1), grace_days=30, crawled_after=never_crawled
    )
    assert [entry.status for entry in found] == ["unknown"]


def test_only_after_a_published_year() -> None:
    found = missing_years(
        {2019, 2023}, deadline_of, today=date(2024, 1, 1), grace_days=0, crawled_after=never_crawled
    )
    assert [entry.year for entry in found] == [2020]
