"""The I/O edge: format detection, ids and hashes, configured region and level, extraction errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govreports.archive import ArchivedDocument
from govreports.errors import ExtractionError
from govreports.model import Origin, Provenance, Region
from indexer.documents import canonical_url, detect_format, parse_bytes, parse_file

SEED = Path(__file__).parents[2].parent / "shared" / "seeds" / "002_556bcbe0ff8ad10d.txt"


@pytest.mark.parametrize(
    ("name", "data", "format"),
    [
        ("report.txt", "一、总体情况".encode(), "txt"),
        ("report", "一、总体情况".encode(), "txt"),
        ("a.pdf", b"%PDF-1.7\n...", "pdf"),
        ("a.bin", b"%PDF-1.4\n...", "pdf"),
        ("a.doc", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16, "doc"),
        ("a.doc", b"{\\rtf1\\ansi\\ansicpg936 ...}", "doc"),
        ("a.rtf", b"{\\rtf1\\ansi ...}", "doc"),
        ("a.docx", b"PK\x03\x04....word/document.xml....", "docx"),
        ("a.html", b"<p>hi</p>", "html"),
        ("a.doc", b"<html><body>Word saved as HTML</body></html>", "html"),
        ("a.txt", b"\xef\xbb\xbf<!DOCTYPE html><html>", "html"),
        ("page.shtml", b"<div>text</div>", "html"),
    ],
)
def test_detect_format(name: str, data: bytes, format: str) -> None:
    assert detect_format(name, data) == format


@pytest.mark.parametrize(
    ("name", "data"),
    [("sheet.xlsx", b"PK\x03\x04....xl/workbook.xml...."), ("a.pdf", b"not a pdf")],
)
def test_detect_format_rejects_what_it_cannot_parse(name: str, data: bytes) -> None:
    with pytest.raises(ExtractionError):
        detect_format(name, data)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTP://WWW.Example.GOV.cn:80/a/B.html#top", "http://www.example.gov.cn/a/B.html"),
        ("https://x.gov.cn:443/p?q=1", "https://x.gov.cn/p?q=1"),
        ("https://x.gov.cn:8443/p", "https://x.gov.cn:8443/p"),
        ("http://x.gov.cn", "http://x.gov.cn/"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_parse_bytes_ids_hashes_and_provenance() -> None:
    data = SEED.read_bytes()
    fetched = datetime(2021, 2, 1, tzinfo=UTC)
    provenance = Provenance(url="http://x.gov.cn/a.html", http_status=200)
    url = "HTTP://X.gov.cn:80/a.html#frag"
    origin = Origin(url=url, site="海珠区", fetched_at=fetched, provenance=provenance)
    report = parse_bytes(data, format="txt", origin=origin)
    assert report.id == hashlib.sha1(b"http://x.gov.cn/a.html").hexdigest()
    assert report.content_sha256 == hashlib.sha256(data).hexdigest()
    assert (report.source_site, report.fetched_at, report.provenance) == ("海珠区", fetched, provenance)
    assert report.format == "txt"
    assert report.totals.penalties == 581


def test_parse_bytes_without_url_is_identified_by_its_bytes() -> None:
    data = SEED.read_bytes()
    assert parse_bytes(data, format="txt").id == hashlib.sha1(data).hexdigest()


def test_configured_region_and_level_win_over_the_text() -> None:
    data = SEED.read_bytes()  # the text says 广东省/广州市/海珠区, township
    configured = Origin(region=Region(province="某省", city=None), level="department")
    report = parse_bytes(data, format="txt", origin=configured)
    assert report.region == Region(province="某省", city=None, county=None)
    assert report.level == "department"
    filled = parse_bytes(data, format="txt", origin=Origin(region=Region(province="广东省")))
    assert filled.region == Region(province="广东省", city="广州市", county="海珠区")


def test_parse_file(tmp_path: Path) -> None:
    copy = tmp_path / "官洲 2019.txt"
    copy.write_bytes(SEED.read_bytes())
    report = parse_file(copy)
    assert report.source_url == copy.resolve().as_uri()
    assert report.id == hashlib.sha1(copy.read_bytes()).hexdigest()
    assert report.title == "广州市海珠区人民政府官洲街道办事处2019年政府信息公开工作年度报告"


def test_unreadable_bytes_raise_one_extraction_error(tmp_path: Path) -> None:
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    with pytest.raises(ExtractionError):
        parse_file(binary)


def test_a_library_failure_becomes_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        parse_bytes(b"%PDF-1.7 truncated", format="pdf")


def test_an_archived_document_keeps_its_origin_whole() -> None:
    origin = Origin(
        url="http://x.gov.cn/a.html",
        site="海珠区",
        region=Region(province="广东省", city="广州市", county="海珠区"),
        level="county",
        fetched_at=datetime(2021, 2, 1, tzinfo=UTC),
        provenance=Provenance(url="http://x.gov.cn/a.html", http_status=200),
    )
    archived = ArchivedDocument.of("ab" * 32, "html", origin)
    assert ArchivedDocument.model_validate_json(archived.model_dump_json()).origin == origin
    with pytest.raises(ValueError, match="URL"):
        ArchivedDocument.of("ab" * 32, "html", Origin(site="海珠区"))
