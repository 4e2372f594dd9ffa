"""Pictures of no page's shape, on every OCR path: refused at once, never looked at for minutes.

A sliver (3 × 4000 pixels, 20000 × 5) would be read in thousands of detection bands, and OpenCV
fails on a picture a few pixels high; `ocr.read_page`, where every path passes, refuses them with
one domain error before any model is loaded. A huge PDF page is rendered at a lower resolution.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pymupdf
import pytest

from govreports.errors import ExtractionError
from indexer.documents import parse_bytes
from indexer.extract import ocr
from indexer.extract.page_images import PageImage, PageWithImages, pack

SLIVERS = [(4000, 3), (3, 4000), (1, 1), (5, 20000), (20000, 5)]  # (height, width)


def _png(height: int, width: int) -> bytes:
    import cv2

    picture = np.full((height, width, 3), 255, np.uint8)
    picture[:, ::7] = 0  # some ink: a blank picture must not be what saves the time
    return bytes(cv2.imencode(".png", picture)[1].tobytes())


def _pdf_of(height: float, width: float) -> bytes:
    """A one-page PDF of that size (points) showing a picture and no text: a scan to OCR."""
    document = pymupdf.open()
    page = document.new_page(width=width, height=height)
    page.insert_image(page.rect, stream=_png(64, 64))
    data: bytes = document.tobytes()
    return data


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("height", "width"), SLIVERS)
def test_a_sliver_attachment_is_refused_at_once(height: int, width: int) -> None:
    started = time.process_time()
    with pytest.raises(ExtractionError, match="not the shape of a page or a table"):
        parse_bytes(_png(height, width), format="image", ocr=True)
    assert time.process_time() - started < 5


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("height", "width"), SLIVERS)
def test_a_sliver_is_refused_by_read_page_itself(height: int, width: int) -> None:
    started = time.process_time()
    with pytest.raises(ExtractionError, match="not the shape"):
        ocr.read_page(np.zeros((height, width, 3), np.uint8))
    assert time.process_time() - started < 5


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("height", "width"), [(3000.0, 2.0), (2.0, 3000.0), (5000.0, 90.0)])
def test_a_scanned_pdf_page_of_a_sliver_is_refused_at_once(height: float, width: float) -> None:
    started = time.process_time()
    with pytest.raises(ExtractionError, match="not the shape of a page or a table"):
        parse_bytes(_pdf_of(height, width), format="pdf", ocr=True)
    assert time.process_time() - started < 5


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("height", "width"), SLIVERS)
def test_a_sliver_picture_in_a_page_is_passed_over_with_a_warning(height: int, width: int) -> None:
    article = "<p>一、总体情况</p><p>二、主动公开政府信息情况</p><img src=t.png>"
    page = f"<html><body><div>{article}</div></body></html>"
    picture = PageImage("t.png", "https://x.gov.cn/t.png", _png(height, width))
    bundle = pack(PageWithImages(page.encode(), (picture,)))
    started = time.process_time()
    parsed = parse_bytes(bundle, format="html", ocr=True)
    assert time.process_time() - started < 5
    assert [w.detail.split(":")[0] for w in parsed.warnings if w.code == "picture_unreadable"] == ["t.png"]


@pytest.mark.timeout(10)
def test_a_huge_pdf_page_is_rendered_within_the_pixel_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200 × 200 inches (the largest page PDF allows): 1.6 billion pixels at 200 dpi.
    seen: list[tuple[int, int]] = []

    def measured(rgb: Any, dpi: float = ocr.DPI) -> ocr.OcrPage:
        seen.append(rgb.shape[:2])
        return ocr.OcrPage([])

    monkeypatch.setattr(ocr, "read_page", measured)
    with pymupdf.open(stream=_pdf_of(14400.0, 14400.0), filetype="pdf") as document:
        ocr.read_pdf_page(document[0])
    (height, width), = seen
    assert height * width <= ocr.MAX_PIXELS
    assert height > 1000
