"""OCR end to end: generated scans (a picture attachment, an image-only PDF) read back by `parse_bytes`.

Every cell must come back exact, or null with a warning naming it; never another number.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from indexer.documents import parse_bytes
from indexer.extract import ocr
from indexer.synthetic import random_report
from indexer.synthetic.render_scan import ScanStyle, blurred_digit, image, image_pdf, page_images

sys.path.insert(0, str(Path(__file__).parent))
from test_property_parse import differences  # noqa: E402

DIRTY = ScanStyle(dpi=200, rulings=True, angle=-0.7, paper=223, seal=True, jpeg_quality=75)


@pytest.mark.slow
def test_a_picture_attachment_is_read() -> None:
    synthetic = random_report(random.Random(2), template="2021")
    parsed = parse_bytes(image(synthetic, DIRTY, seed=2), format="image")
    assert parsed.ocr is True
    assert parsed.format == "image"
    assert differences(parsed, synthetic, strict=False) == []


@pytest.mark.slow
def test_an_image_only_pdf_is_read_by_ocr() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    style = ScanStyle(dpi=300, rulings=True, angle=-1.35, paper=225, seal=True)
    parsed = parse_bytes(image_pdf(synthetic, style, seed=1), format="pdf")
    assert parsed.ocr is True
    assert not any(w.code == "no_text_layer" for w in parsed.warnings)
    assert differences(parsed, synthetic, strict=False) == []


@pytest.mark.slow
def test_a_blurred_digit_comes_back_null_not_wrong() -> None:
    synthetic = random_report(random.Random(2), template="2021")
    style = ScanStyle(dpi=200, rulings=True)
    first = page_images(synthetic, style)[0]
    page = ocr.read_page(first)
    label = next(box for box in page.boxes if box.text == "规章")
    number = min((b for b in page.boxes if b.number and abs(b.cy - label.cy) < 4), key=lambda b: b.x0)
    scale = style.dpi / 72
    smudged = blurred_digit(first, tuple(round(v * scale) for v in (number.x0, number.y0, number.x1, number.y1)))
    ok, png = cv2.imencode(".png", cv2.cvtColor(smudged, cv2.COLOR_RGB2BGR))
    assert ok
    parsed = parse_bytes(bytes(np.asarray(png).tobytes()), format="image")
    assert parsed.active is not None
    assert parsed.active.regulations.model_dump()["issued"] is None
    assert any(w.detail.startswith("active.regulations") for w in parsed.warnings)
    truth = synthetic.truth.active
    assert truth is not None
    assert parsed.active.regulations.model_dump()["in_force"] == truth.regulations.model_dump()["in_force"]
