"""The short form of a report that feeds, /api/new and webhook events carry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from govreports.model import Region, Report, Totals
from indexer.segment import unsegment


class ReportSummary(BaseModel):
    id: str
    title: str | None = None
    office: str | None = None
    region: Region = Field(default_factory=Region)
    year: int | None = None
    published_date: date | None = None
    source_url: str | None = None
    first_seen_at: datetime | None = None
    fetched_at: datetime | None = None
    content_sha256: str | None = None
    totals: Totals = Field(default_factory=Totals)
    consistent: bool | None = None


# What to ask Elasticsearch for, so a page of summaries never carries the full text.
SUMMARY_FIELDS: list[str] = list(ReportSummary.model_fields)


def summary_from_source(source: dict[str, Any]) -> ReportSummary:
    """A summary from an indexed report's `_source` (restricted to `SUMMARY_FIELDS` or whole)."""
    fields = {key: source[key] for key in SUMMARY_FIELDS if key in source}
    # The index holds the title segmented into words (see indexer.documents_es); people read it whole.
    if fields.get("title") is not None:
        fields["title"] = unsegment(fields["title"])
    return ReportSummary.model_validate(fields)


def summary_of(report: Report) -> ReportSummary:
    return ReportSummary.model_validate(report.model_dump(include=set(SUMMARY_FIELDS)))


def display_title(summary: ReportSummary) -> str:
    """The report's title, or one composed from office and year when the document gave none."""
    if summary.title:
        return summary.title
    office = summary.office or "未知机关"
    year = f"{summary.year}年" if summary.year is not None else ""
    return f"{office}{year}政府信息公开工作年度报告"
