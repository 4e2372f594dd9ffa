"""OCR end to end: generated scans (a picture attachment, an image-only PDF) read back by `parse_bytes`.

Every cell must come back exact, or null with a warning naming it; never another number.
"""

from __future__ import annotations

import random

import pytest
from synthetic_truth import differences

from govreports.errors import ExtractionError
from indexer.documents import parse_bytes
from indexer.synthetic import random_report
from indexer.synthetic.render_scan import ScanStyle, image, image_pdf

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



def test_without_ocr_a_picture_is_refused_and_a_scan_reads_no_numbers() -> None:
    # OCR is off unless GOVREPORTS_OCR asks for it: a scan gives no number rather than a wrong one.
    synthetic = random_report(random.Random(3), template="2021")
    with pytest.raises(ExtractionError, match="OCR is off"):
        parse_bytes(image(synthetic, DIRTY, seed=3), format="image")
    parsed = parse_bytes(image_pdf(synthetic, DIRTY, seed=3), format="pdf")
    assert parsed.ocr is False
    assert parsed.applications is None
    assert any(warning.code == "no_text_layer" for warning in parsed.warnings)
