"""What the missing years of an audit changed, for the `missing` and `missing_cleared` events.

An office-year that is `missing` now and was not before is a `missing` event; one that was
`missing` and now has a report is `missing_cleared`, naming the report. An office-year that
was `missing` and is not now for another reason (its later report deleted, say) is neither:
nothing turned up. Pure: office documents (as `<alias>-offices` holds them) in, changes out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from audit.book import representatives
from audit.facts import ReportFacts
from monitor.events import MissingEventName
from monitor.missing_events import MissingChange

Document = Mapping[str, Any]


def _missing(document: Document | None) -> dict[int, Document]:
    entries = [] if document is None else document.get("missing") or []
    return {entry["year"]: entry for entry in entries if entry["status"] == "missing"}


def missing_changes(
    before: Mapping[str, Document],
    after: Mapping[str, Document],
    members: Mapping[str, Sequence[ReportFacts]],
) -> list[MissingChange]:
    """The changes from `before` to `after` (office documents by office id); `members` are the
    offices' reports, where the report that cleared a missing year is found."""
    changes: list[MissingChange] = []
    for office, document in sorted(after.items()):
        was, now = _missing(before.get(office)), _missing(document)
        for year in sorted(now.keys() - was.keys()):
            changes.append(_change("missing", document, now[year]))
        years = set(document.get("years") or ())
        for year in sorted((was.keys() - now.keys()) & years):
            report = representatives(members.get(office, ())).get(year)
            report_id = None if report is None else report.id
            changes.append(_change("missing_cleared", document, was[year], report_id))
    return changes


def _change(
    event: MissingEventName, document: Document, entry: Document, report_id: str | None = None
) -> MissingChange:
    return MissingChange(
        event=event,
        office_id=document["office_id"],
        office=document.get("name"),
        names=frozenset(document.get("names") or ()),
        region=dict(document.get("region") or {}),
        level=document.get("level"),
        year=entry["year"],
        deadline=date.fromisoformat(entry["deadline"]),
        detail=f"a report for {entry['year']} turned up" if event == "missing_cleared" else entry["detail"],
        report_id=report_id,
    )
