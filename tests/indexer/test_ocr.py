"""OCR end to end: generated scans (a picture attachment, an image-only PDF) read back by `parse_bytes`.

Every cell must come back exact, or null with a warning naming it; never another number.
"""

from __future__ import annotations

import random

import pytest
from synthetic_truth import cells, differences

from govreports.errors import ExtractionError
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



def test_without_ocr_a_picture_is_refused_and_a_scan_reads_no_numbers() -> None:
    # OCR is off unless GOVREPORTS_OCR asks for it: a scan gives no number rather than a wrong one.
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
