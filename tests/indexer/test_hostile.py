"""Hostile input: every case ends in a clean ExtractionError or a report with warnings — no crash, no hang."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from govreports.errors import ExtractionError
from govreports.model import Report
from indexer.documents import parse_bytes
from indexer.synthetic import random_report, render

FORMATS = ("txt", "html", "pdf", "docx", "doc")
JUNK = random.Random(0).randbytes(64 * 1024)


def parse_or_refuse(data: bytes, format: str) -> Report | None:
    """The parse, or None when refused with one domain error (any other exception fails the test)."""
    try:
        return parse_bytes(data, format=format)  # type: ignore[arg-type]
    except ExtractionError as error:
        assert str(error) and "\n" not in str(error)
        return None


@pytest.mark.parametrize("format", FORMATS)
def test_empty_file_is_refused(format: str) -> None:
    with pytest.raises(ExtractionError, match="empty"):
        parse_bytes(b"", format=format)  # type: ignore[arg-type]


@pytest.mark.parametrize("format", FORMATS)
def test_binary_junk(format: str) -> None:
    report = parse_or_refuse(JUNK, format)
    if report is not None:  # HTML reads junk as a page of nonsense: no tables, and says so
        assert report.applications is None and report.warnings


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_pdf_is_refused(keep: float) -> None:
    data = render(random_report(random.Random(1)), "pdf")
    with pytest.raises(ExtractionError, match="truncated"):
        parse_bytes(data[: int(len(data) * keep)], format="pdf")


def _declare_size(data: bytes, size: int) -> bytes:
    """Rewrite a one-member zip's declared uncompressed size (local header and central directory)."""
    out = bytearray(data)
    out[22:26] = struct.pack("<I", size)
    central = out.rfind(b"PK\x01\x02")
    out[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(out)


def _zip(member: str, payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, payload)
    return out.getvalue()


@pytest.mark.parametrize(
    "bomb",
    [
        # 40 MB of zeros in 40 KB: a ratio no Word document has.
        lambda: _zip("word/document.xml", bytes(40 * 1024 * 1024)),
        # A small member that declares it inflates to 4 GB.
        lambda: _declare_size(_zip("word/document.xml", bytes(1024 * 1024)), 0xFFFF_FFF0),
    ],
)
def test_zip_bomb_docx_is_refused(bomb: object) -> None:
    data = bomb()  # type: ignore[operator]
    assert len(data) < 100 * 1024
    with pytest.raises(ExtractionError, match="zip bomb"):
        parse_bytes(data, format="docx")


def test_fifty_megabytes_of_text_is_refused_quickly() -> None:
    page = render(random_report(random.Random(2)), "tab_rows")
    data = (page * (50 * 2**20 // len(page) + 1))[: 50 * 2**20]
    with pytest.raises(ExtractionError, match="too large"):
        parse_bytes(data, format="txt")


@pytest.mark.parametrize("layout", ["tab_rows", "html", "docx", "pdf"])
def test_report_with_only_the_narrative(layout: str) -> None:
    synthetic = random_report(random.Random(3), narrative_only=True)
    format = {"tab_rows": "txt", "html": "html", "docx": "docx", "pdf": "pdf"}[layout]
    report = parse_bytes(render(synthetic, layout), format=format)  # type: ignore[arg-type]
    assert report.applications is None and report.appeals is None
    assert report.consistent is None
    assert report.year == synthetic.truth.year
    assert report.sections.problems and synthetic.narrative.problems[0] in report.sections.problems


def test_table_rows_shuffled() -> None:
    synthetic = random_report(random.Random(4), template="2019")
    lines = render(synthetic, "tab_rows").decode().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收"))
    last = next(i for i, line in enumerate(lines) if line.startswith("四、结转下年度"))
    rows = lines[first : last + 1]
    random.Random(5).shuffle(rows)
    data = "\n".join([*lines[:first], *rows, *lines[last + 1 :]]).encode()
    report = parse_bytes(data, format="txt")
    # Rows are found by their labels: either read right, or flagged, never silently wrong.
    assert report.applications is not None
    if report.applications != synthetic.truth.applications:
        assert report.warnings
