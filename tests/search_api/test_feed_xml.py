"""Characters XML 1.0 forbids never reach /feed.atom: they are stripped from every text field as a
report is built, and again as the feed is rendered (reports indexed earlier may still hold them).
Every feed here is read by a strict XML parser, which refuses the whole document for one of them."""

from __future__ import annotations

import typing
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch
from lxml import etree
from pydantic import BaseModel

from govreports.model import ParseWarning, Region, Report, Sections, Text
from govreports.settings import Settings
from govreports.text import xml_safe
from indexer.documents import parse_bytes
from monitor.atom import ATOM_NS, FeedInfo, render_feed
from monitor.summaries import ReportSummary
from search_api.app import create_app
from search_api.testing import in_process, index_corpus

NOW = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)
A = {"atom": ATOM_NS}
# C0 controls XML 1.0 forbids, a lone surrogate, and the two noncharacters it forbids too.
FORBIDDEN = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
# Allowed, and kept: tab, line feed, carriage return, DEL, C1 controls, U+FFFD, astral characters.
ALLOWED = "\t\n\r\x7f\x85\ufffd😀"


def strictly_parsed(document: bytes) -> etree._Element:
    return etree.fromstring(document, etree.XMLParser(recover=False, resolve_entities=False))


def test_xml_safe_strips_exactly_what_xml_forbids() -> None:
    assert xml_safe("".join(f"a{character}" for character in FORBIDDEN) + ALLOWED) == "a" * 11 + ALLOWED
    assert xml_safe("广州市\x01海珠区") == "广州市海珠区"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("character", FORBIDDEN)
def test_a_rendered_feed_is_well_formed_whatever_the_summaries_hold(character: str) -> None:
    summary = ReportSummary(
        id=f"r{character}1",
        title=f"广州市{character}2024年报告",
        office=f"海珠区{character}人民政府",
        source_url=f"http://127.0.0.1:9/{character}.html",
        year=2024,
        first_seen_at=NOW,
    )
    info = FeedInfo(
        title=f"govreports — {character}", self_url=f"http://127.0.0.1/feed.atom?q={character}", query=""
    )
    feed = strictly_parsed(render_feed(info, [summary], now=NOW))
    assert feed.findtext("atom:title", namespaces=A) == "govreports — "
    [entry] = feed.findall("atom:entry", namespaces=A)
    assert entry.findtext("atom:title", namespaces=A) == "广州市2024年报告"
    assert entry.findtext("atom:author/atom:name", namespaces=A) == "海珠区人民政府"
    assert entry.find("atom:link", namespaces=A).get("href") == "http://127.0.0.1:9/.html"


# Text fields only the project itself writes: hashes, ids, codes and rules of its own.
OWN_TEXT = {
    "id",
    "content_sha256",
    "revisions.content_sha256",
    "warnings.code",
    "checks.detail",
    "office_id",
    "cross_year.previous_report_id",
    "cross_year.carry_chain.cells",
    "cross_year.carry_chain.previous_cells",
    "cross_year.in_force_chain.cells",
    "cross_year.in_force_chain.previous_cells",
    "cross_year.items_chain.cells",
    "cross_year.items_chain.previous_cells",
    "timeliness.rule",
    "reuse.previous_report_id",
    "reuse.nearest_report_id",
}


def _plain_text_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of the fields typed plain `str` (not `Text`), through nested models and lists."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        # A field typed `Text` alone comes as `str`, its validator moved to the field's metadata.
        typed_text = info.annotation is str and typing.get_args(Text)[1] in info.metadata
        stack = [Text if typed_text else info.annotation]
        while stack:
            annotation = stack.pop()
            if annotation is str:
                found.add(f"{prefix}{name}")
            elif annotation == Text:
                continue
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                found |= _plain_text_fields(annotation, f"{prefix}{name}.")
            else:
                stack += [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return found


def test_every_field_that_can_hold_outside_text_is_typed_text() -> None:
    assert sorted(_plain_text_fields(Report) - OWN_TEXT) == []


@pytest.mark.parametrize("character", FORBIDDEN)
def test_every_text_field_of_a_report_is_stripped_as_it_is_built(character: str) -> None:
    report = Report(
        id="r1",
        title=f"标题{character}",
        office=f"机关{character}",
        region=Region(province=f"广东省{character}"),
        sections=Sections(overview=f"概述{character}"),
        text=f"正文{character}\t\n",
        content_sha256="sha",
        format="txt",
        warnings=[ParseWarning(code="w", detail=f"细节{character}")],
    )
    assert (report.title, report.office, report.region.province) == ("标题", "机关", "广东省")
    assert (report.sections.overview, report.text, report.warnings[0].detail) == ("概述", "正文\t\n", "细节")


@pytest.mark.timeout(30)
def test_the_parser_output_holds_no_forbidden_character() -> None:
    document = (
        "广州市海珠区人民政府\x0b2024年政府信息公开\x01工作年度报告\n一、总体情况\n本年度\x1b主动公开。\n"
    )
    report = parse_bytes(document.encode("utf-8"), format="txt")
    for text in (report.title, report.office, report.text, report.sections.overview):
        assert text is None or xml_safe(text) == text, text
    assert "\x01" not in report.model_dump_json() and "\\u000" not in report.model_dump_json()


@pytest.mark.es
@pytest.mark.timeout(60)
def test_the_feed_of_reports_indexed_with_control_characters_is_well_formed(
    es_client: Elasticsearch, es_settings: Settings
) -> None:
    clean = Report(
        id="r01",
        title="广州市第1街道2024年政府信息公开工作年度报告",
        office="广州市第1街道办事处",
        region=Region(province="广东省", city="广州市"),
        year=2024,
        fetched_at=NOW,
        content_sha256="sha1",
        format="html",
        source_url="http://127.0.0.1:9/1.html",
    )
    index_corpus(es_client, es_settings.index, [clean])
    # As indexed before the parser stripped them: written past the model, straight into the index.
    es_client.update(
        index=es_settings.index,
        id="r01",
        doc={
            "title": "广州市\x01第1街道\x1f报告",
            "office": "办事处\x0b",
            "source_url": "http://127.0.0.1:9/\x08",
        },
        refresh=True,
    )
    with in_process(create_app(es_settings)) as api:
        response = api.get("/feed.atom", params={"q": "报告\x01", "city": "广州市"})
    assert response.status_code == 200
    feed = strictly_parsed(response.content)
    assert feed.findtext("atom:title", namespaces=A).endswith("报告")
    [entry] = feed.findall("atom:entry", namespaces=A)
    assert entry.findtext("atom:title", namespaces=A) == "广州市第1街道报告"
    assert entry.findtext("atom:author/atom:name", namespaces=A) == "办事处"
    assert entry.find("atom:link", namespaces=A).get("href") == "http://127.0.0.1:9/"
