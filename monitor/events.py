"""Webhook event bodies: `new` lists reports first seen, `revised` names the cells that changed.

A body is rendered once, when its delivery is recorded, and stored as the exact
bytes sent: every retry sends the same bytes, so the same signature and the same
idempotency key, and a receiver can drop a repeat.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from monitor.cells import CellChange
from monitor.summaries import ReportSummary

EventName = Literal["new", "revised"]
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
