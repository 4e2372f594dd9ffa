"""Webhook event bodies: `new` lists reports first seen, `revised` names the cells that changed,
`missing` names an office that published nothing for a year and `missing_cleared` the report
that later turned up (monitor/missing_events.py).

A body is rendered once, when its delivery is recorded, and stored as the exact
bytes sent: every retry sends the same bytes, so the same signature and the same
idempotency key, and a receiver can drop a repeat.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from monitor.cells import CellChange
from monitor.summaries import ReportSummary

MissingEventName = Literal["missing", "missing_cleared"]
EventName = Literal["new", "revised", "missing", "missing_cleared"]
# A window with more reports than this lists this many (newest first) and says how many there are.
MAX_EVENT_REPORTS = 500


class ChangedCell(BaseModel):
    cell: str
    old: int | float | None
    new: int | float | None
    # "applications.received.total: 62 → 63", for receivers that just show a message.
    text: str

    @classmethod
    def of(cls, change: CellChange) -> ChangedCell:
        return cls(cell=change.cell, old=change.old, new=change.new, text=change.describe())


class EventReport(ReportSummary):
    url: str | None = None
    # Only in `revised` events: the version replaced, and the cells that differ from it
    # (null when the replaced version's cells were never recorded, so no diff is possible).
    previous_sha256: str | None = None
    changes: list[ChangedCell] | None = None


class SubscriptionRef(BaseModel):
    id: str
    name: str


class Event(BaseModel):
    event: EventName
    delivery_id: str
    subscription: SubscriptionRef
    created_at: datetime
    # The window this event covers: reports first seen (or revisions recorded) in (since, until].
    since: datetime
    until: datetime
    # How many reports the window holds; `reports` lists at most MAX_EVENT_REPORTS of them, and
    # /api/new?since=… gives the rest of a large `new` window.
    total: int
    reports: list[EventReport]

    def body(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class OfficeRef(BaseModel):
    office_id: str
    name: str | None
    region: dict[str, str | None]
    level: str | None


class MissingEvent(BaseModel):
    """An office without a report for `year` though its deadline and grace have passed and there is
    evidence of absence (docs/audit.md, "Missing reports"), or (`missing_cleared`) the report that
    turned up since, `report_id`."""

    event: MissingEventName
    delivery_id: str
    subscription: SubscriptionRef
    created_at: datetime
    office: OfficeRef
    year: int
    deadline: date
    detail: str
    report_id: str | None = None

    def body(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


def new_report(summary: ReportSummary) -> EventReport:
    return EventReport(**summary.model_dump(), url=summary.source_url)


def revised_report(
    summary: ReportSummary,
    content_sha256: str,
    previous_sha256: str | None,
    changes: list[ChangedCell] | None,
) -> EventReport:
    fields = summary.model_dump() | {"content_sha256": content_sha256}
    return EventReport(**fields, url=summary.source_url, previous_sha256=previous_sha256, changes=changes)


def delivery_id(subscription_id: str, event: EventName, window_start: datetime) -> str:
    """Stable per delivery: a re-run that recomputes the same window finds the same id."""
    key = f"{subscription_id}\n{event}\n{window_start.isoformat()}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def missing_delivery_id(subscription_id: str, event: MissingEventName, office_id: str, year: int) -> str:
    """Stable per subscription, event and office-year: the same missing is never told twice."""
    key = f"{subscription_id}\n{event}\n{office_id}\n{year}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()
