"""Atom rendering is a pure function: summaries in, a feed that feedparser reads and RFC 4287 requires."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest

from govreports.model import Region, Totals
from monitor.atom import ATOM_NS, FeedInfo, entry_summary_text, render_feed, report_entry_id
from monitor.summaries import ReportSummary

NOW = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
SELF = "http://127.0.0.1:8000/feed.atom?city=广州市"
INFO = FeedInfo(title="govreports: 新报告", self_url=SELF, query="city=广州市")
A = {"atom": ATOM_NS}


def summary(report_id: str, **fields: object) -> ReportSummary:
    base: dict[str, object] = {
        "id": report_id,
        "title": "广州市海珠区人民政府官洲街道办事处2024年政府信息公开工作年度报告",
        "office": "广州市海珠区人民政府官洲街道办事处",
        "region": Region(province="广东省", city="广州市", county="海珠区"),
        "year": 2024,
        "source_url": f"http://127.0.0.1:8001/gknb/{report_id}.html",
        "first_seen_at": datetime(2025, 1, 20, 9, 30, tzinfo=UTC),
        "totals": Totals(
            applications_received=62, applications_handled=60, granted=40, reviews=1, lawsuits=0
        ),
    }
    base.update(fields)
    return ReportSummary.model_validate(base)


def parse(entries: list[ReportSummary]) -> tuple[feedparser.FeedParserDict, ET.Element]:
    document = render_feed(INFO, entries, now=NOW)
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, ET.fromstring(document)


def test_feed_has_the_required_feed_elements() -> None:
    parsed, root = parse([summary("a1")])
    for name in ("id", "title", "updated"):
        assert root.find(f"atom:{name}", A) is not None and root.find(f"atom:{name}", A).text  # type: ignore[union-attr]
    assert parsed.feed.id.startswith("urn:govreports:feed:")
    assert parsed.feed.title == INFO.title
    assert parsed.feed.updated == "2025-01-20T09:30:00+00:00"
    assert any(link.rel == "self" and link.href == INFO.self_url for link in parsed.feed.links)


def test_entries_carry_id_title_updated_link_office_year_and_totals() -> None:
    parsed, root = parse([summary("a1")])
    [entry] = parsed.entries
    for element in root.findall("atom:entry", A):
        for name in ("id", "title", "updated"):
            assert element.find(f"atom:{name}", A) is not None
        assert element.find("atom:link", A) is not None
    assert entry.id == report_entry_id("a1") == "urn:govreports:report:a1"
    assert entry.title.startswith("广州市海珠区")
    assert entry.updated == "2025-01-20T09:30:00+00:00"
    assert entry.link == "http://127.0.0.1:8001/gknb/a1.html"
    assert entry.author == "广州市海珠区人民政府官洲街道办事处"
    assert [tag.term for tag in entry.tags] == ["2024"]
    assert entry.summary == (
        "广州市海珠区人民政府官洲街道办事处 · 2024年 · "
        "收到申请 62 · 办结 60 · 予以公开 40 · 行政复议 1 · 行政诉讼 0"
    )


def test_extension_elements_carry_the_totals_as_numbers() -> None:
    _, root = parse([summary("a1")])
    entry = root.find("atom:entry", A)
    assert entry is not None
    totals = {e.get("name"): e.text for e in entry.findall("{urn:govreports:atom}total")}
    assert totals == {
        "applications_received": "62",
        "applications_handled": "60",
        "granted": "40",
        "reviews": "1",
        "lawsuits": "0",
    }


def test_same_query_same_feed_id_and_entry_ids_are_stable() -> None:
    first, _ = parse([summary("a1"), summary("b2")])
    again, _ = parse([summary("b2", title="changed title")])
    other_info = FeedInfo(title="x", self_url="http://h/f", query="city=贵阳市")
    other = feedparser.parse(render_feed(other_info, [], now=NOW))
    assert first.feed.id == again.feed.id != other.feed.id
    assert first.entries[1].id == again.entries[0].id == "urn:govreports:report:b2"


def test_empty_feed_is_valid_and_dated_now() -> None:
    parsed, _ = parse([])
    assert parsed.entries == []
    assert parsed.feed.updated == "2025-02-01T08:00:00+00:00"


def test_entries_keep_the_given_order_and_escape_markup() -> None:
    parsed, _ = parse([summary("new", title="<b>A & B</b>"), summary("old")])
    ids = [entry.id for entry in parsed.entries]
    assert ids == ["urn:govreports:report:new", "urn:govreports:report:old"]
    assert parsed.entries[0].title == "<b>A & B</b>"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"office": None, "year": None, "totals": Totals()}, "未知机关"),
        ({"office": "均禾街", "totals": Totals(applications_received=0)}, "均禾街 · 2024年 · 收到申请 0"),
    ],
)
def test_summary_line_names_only_known_figures(fields: dict[str, object], expected: str) -> None:
    assert entry_summary_text(summary("x", **fields)) == expected


def test_untitled_report_gets_a_title_from_office_and_year() -> None:
    parsed, _ = parse([summary("x", title=None, office="均禾街", year=2020)])
    assert parsed.entries[0].title == "均禾街2020年政府信息公开工作年度报告"


def test_naive_first_seen_is_read_as_utc() -> None:
    parsed, _ = parse([summary("x", first_seen_at=datetime(2025, 1, 2, 3, 4, 5))])
    assert parsed.entries[0].updated == "2025-01-02T03:04:05+00:00"
