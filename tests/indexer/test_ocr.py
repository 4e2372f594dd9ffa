"""OCR end to end: generated scans (a picture attachment, an image-only PDF) read back by `parse_bytes`.

Every cell must come back exact, or null with a warning naming it; never another number.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from synthetic_truth import cells, differences
from typer.testing import CliRunner

from govreports.cli import app
from govreports.errors import ExtractionError
from govreports.model import Report
from govreports.settings import get_settings
from indexer.documents import parse_bytes
from indexer.synthetic import SyntheticReport, random_report
from indexer.synthetic.render_scan import (
    ScanStyle,
    blurred_digit,
    image,
    image_pdf,
    page_images,
    pictures_pdf,
    word_boxes,
)

DIRTY = ScanStyle(dpi=200, rulings=True, angle=-0.7, paper=223, seal=True, jpeg_quality=75)


@pytest.mark.slow
def test_a_picture_attachment_is_read() -> None:
    synthetic = random_report(random.Random(2), template="2021")
    parsed = parse_bytes(image(synthetic, DIRTY, seed=2), format="image", ocr=True)
    assert parsed.ocr is True
    assert parsed.format == "image"
    assert differences(parsed, synthetic, strict=False) == []


@pytest.mark.slow
def test_an_image_only_pdf_is_read_by_ocr() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    style = ScanStyle(dpi=300, rulings=True, angle=-1.35, paper=225, seal=True)
    parsed = parse_bytes(image_pdf(synthetic, style, seed=1), format="pdf", ocr=True)
    assert parsed.ocr is True
    assert not any(w.code == "no_text_layer" for w in parsed.warnings)
    assert differences(parsed, synthetic, strict=False) == []



@pytest.mark.slow
@pytest.mark.timeout(300)
def test_govreports_parse_reads_a_scan_with_the_default_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OCR is on by default (GOVREPORTS_OCR): `govreports parse scan.pdf` reads a scan's numbers.
    synthetic = random_report(random.Random(6), template="2021")
    brief = replace(synthetic.narrative, overview=synthetic.narrative.overview[:1],
                    problems=synthetic.narrative.problems[:1])
    synthetic = replace(synthetic, narrative=brief)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf(synthetic, ScanStyle(dpi=200, paper=230), seed=6))
    monkeypatch.delenv("GOVREPORTS_OCR", raising=False)
    get_settings.cache_clear()
    try:
        assert get_settings().ocr is True
        result = CliRunner().invoke(app, ["parse", str(scan)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.stderr
    parsed = Report.model_validate_json(result.stdout)
    assert parsed.ocr is True
    assert differences(parsed, synthetic, strict=False) == []
    assert parsed.applications is not None


def test_without_ocr_a_picture_is_refused_and_a_scan_reads_no_numbers() -> None:
    # With OCR off (GOVREPORTS_OCR=false; `parse_bytes`'s own default) a scan gives no number.
    synthetic = random_report(random.Random(3), template="2021")
    with pytest.raises(ExtractionError, match="OCR is off"):
        parse_bytes(image(synthetic, DIRTY, seed=3), format="image")
    parsed = parse_bytes(image_pdf(synthetic, DIRTY, seed=3), format="pdf")
    assert parsed.ocr is False
    assert parsed.applications is None
    assert any(warning.code == "no_text_layer" for warning in parsed.warnings)


def _smudged(synthetic: SyntheticReport, style: ScanStyle, label: str, rows: int, columns: int
             ) -> tuple[bytes, list[str]]:
    """The report scanned with the first `columns` numbers of `rows` rows from the row labelled
    `label` smudged past reading; the smudged numbers as printed."""
    pages = page_images(synthetic, style)
    smudged = []
    for page, words in zip(pages, word_boxes(synthetic, style), strict=True):
        found = next((w for w in words if label in w[4]), None)
        if found is None:
            continue
        numbers = [w for w in words if w[4].isdigit() and w[1] >= found[1] - 2]
        tops = sorted({w[1] for w in numbers})[:rows]
        for top in tops:
            row = sorted((w for w in numbers if w[1] == top), key=lambda w: w[0])
            for x0, y0, x1, y1, word in row[:columns]:
                page[:] = blurred_digit(page, (x0 - 4, y0 - 4, x1 + 4, y1 + 4))
                smudged.append(word)
    return pictures_pdf(pages, style), smudged


@pytest.mark.slow
def test_blurred_digits_come_back_null_and_named_never_as_another_number() -> None:
    # Four smudged cells, two by two: every rule of the report holding one of them holds
    # another, so no repair is possible and each must come back null with its warning.
    synthetic = random_report(random.Random(4), template="2021")
    style = ScanStyle(dpi=200, rulings=True, paper=235)
    data, smudged = _smudged(synthetic, style, "本年新收", rows=2, columns=2)
    assert len(smudged) == 4
    parsed = parse_bytes(data, format="pdf", ocr=True)
    paths = [f"applications.{row}.{column}" for row in ("received", "carried_over")
             for column in ("natural_person", "commercial")]
    got = cells(parsed)
    assert {path: got[path] for path in paths} == dict.fromkeys(paths)
    low = {w.detail.split(":")[0] for w in parsed.warnings if w.code == "ocr_low_confidence"}
    assert set(paths) <= low
    assert differences(parsed, synthetic, strict=False) == []


def test_text_reports_never_load_the_ocr_models() -> None:
    # OCR is on by default: a report with a text layer (PDF, DOCX, HTML) must still not pay for it.
    import subprocess
    import sys

    program = """
import random, sys
from indexer.documents import parse_bytes
from indexer.synthetic import random_report, render
report = random_report(random.Random(1), template="2019")
for format in ("pdf", "docx", "html"):
    assert parse_bytes(render(report, format), format=format, ocr=True).ocr is False
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("rapidocr_onnxruntime", "onnxruntime"))
assert not loaded, loaded
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
