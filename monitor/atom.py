"""Atom (RFC 4287) rendering of report summaries: a pure function, bytes out.

Entry ids are ``urn:govreports:report:<id>``, stable across re-crawls and revisions,
so feed readers never show a report twice. Each entry names the office, the year
and the headline totals, both as readable text and as ``gr:`` extension elements.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from govreports.text import xml_safe
from monitor.summaries import ReportSummary, display_title

ATOM_NS = "http://www.w3.org/2005/Atom"
GOVREPORTS_NS = "urn:govreports:atom"
ET.register_namespace("", ATOM_NS)
ET.register_namespace("gr", GOVREPORTS_NS)

# The totals named in an entry's summary, with the label a Chinese reader expects.
KEY_TOTALS: tuple[tuple[str, str], ...] = (
    ("applications_received", "收到申请"),
    ("applications_handled", "办结"),
    ("granted", "予以公开"),
    ("reviews", "行政复议"),
    ("lawsuits", "行政诉讼"),
)


@dataclass(frozen=True)
class FeedInfo:
    title: str
    self_url: str
    # The query that selects the entries: the same filters always give the same feed id.
    query: str
    site_url: str | None = None


def report_entry_id(report_id: str) -> str:
    return f"urn:govreports:report:{report_id}"


def feed_id(query: str) -> str:
    return f"urn:govreports:feed:{hashlib.sha1(query.encode('utf-8')).hexdigest()}"


def render_feed(info: FeedInfo, entries: Sequence[ReportSummary], *, now: datetime) -> bytes:
    """The feed document; `now` is its `updated` only when there is no entry to date it by."""
    feed = ET.Element(_atom("feed"))
    _text(feed, "id", feed_id(info.query))
    _text(feed, "title", info.title)
    seen = [_aware(entry.first_seen_at) for entry in entries if entry.first_seen_at is not None]
    _text(feed, "updated", _rfc3339(max(seen, default=now)))
    author = ET.SubElement(feed, _atom("author"))
    _text(author, "name", "govreports")
    _link(feed, info.self_url, "self", "application/atom+xml")
    if info.site_url:
        _link(feed, info.site_url, "alternate", "text/html")
    _text(feed, "generator", "govreports")
    for entry in entries:
        feed.append(_entry(entry, now=now))
    _strip_forbidden_characters(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _strip_forbidden_characters(root: ET.Element) -> None:
    # Reports indexed before the parser stripped them, and the search words in a feed's title,
    # may hold characters XML 1.0 forbids: one of them would make the whole feed unreadable.
    for element in root.iter():
        if element.text:
            element.text = xml_safe(element.text)
        element.attrib.update({name: xml_safe(value) for name, value in element.attrib.items()})


def _entry(summary: ReportSummary, *, now: datetime) -> ET.Element:
    entry = ET.Element(_atom("entry"))
    _text(entry, "id", report_entry_id(summary.id))
    _text(entry, "title", display_title(summary))
    # A report's entry is dated by when it was first seen: re-crawls never make it "new" again.
    _text(entry, "updated", _rfc3339(summary.first_seen_at or now))
    if summary.office:
        author = ET.SubElement(entry, _atom("author"))
        _text(author, "name", summary.office)
    link = summary.source_url or f"urn:govreports:report:{summary.id}"
    _link(entry, link, "alternate", None)
    if summary.year is not None:
        ET.SubElement(entry, _atom("category"), {"term": str(summary.year), "label": f"{summary.year}年"})
    _text(entry, "summary", entry_summary_text(summary))
    _extension(entry, summary)
    return entry


def entry_summary_text(summary: ReportSummary) -> str:
    """One line: office · year · the key totals the report gives, e.g. ``收到申请 62``."""
    parts = [summary.office or "未知机关"]
    if summary.year is not None:
        parts.append(f"{summary.year}年")
    totals = summary.totals.model_dump()
    parts += [f"{label} {totals[key]}" for key, label in KEY_TOTALS if totals[key] is not None]
    return " · ".join(parts)


def _extension(entry: ET.Element, summary: ReportSummary) -> None:
    # Machine-readable copies of what the summary line says, for readers that want numbers.
    if summary.office:
        ET.SubElement(entry, _gr("office")).text = summary.office
    if summary.year is not None:
        ET.SubElement(entry, _gr("year")).text = str(summary.year)
    for key, value in summary.totals.model_dump().items():
        if value is not None:
            ET.SubElement(entry, _gr("total"), {"name": key}).text = str(value)


def _aware(moment: datetime) -> datetime:
    # Atom dates need an offset; a naive datetime from the index is UTC by the project's convention.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rfc3339(moment: datetime) -> str:
    return _aware(moment).isoformat(timespec="seconds")


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _gr(name: str) -> str:
    return f"{{{GOVREPORTS_NS}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, _atom(name)).text = value


def _link(parent: ET.Element, href: str, rel: str, media_type: str | None) -> None:
    attributes = {"href": href, "rel": rel}
    if media_type:
        attributes["type"] = media_type
    ET.SubElement(parent, _atom("link"), attributes)
