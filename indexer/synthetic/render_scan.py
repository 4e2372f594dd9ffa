"""A synthetic report as a scan: its PDF pages rasterised and dirtied as a copier and a camera do.

Each `ScanStyle` is drawn per document: 150–300 dpi, the tables with or without
their rulings, the page turned up to ±2°, grey paper, a red seal stamped over part
of a table, JPEG noise. From the pages come

- `image_pdf`: an image-only PDF, one picture a page and no text layer;
- `image`: one picture of the whole report (the pages one under the other), as
  an attachment is posted;

and `blurred_digit` smudges one printed number so that no reader can be sure of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymupdf
from numpy.typing import NDArray

from indexer.synthetic import render_pdf
from indexer.synthetic.report import SyntheticReport


@dataclass(frozen=True)
class ScanStyle:
    dpi: int = 200
    rulings: bool = True
    angle: float = 0.0  # degrees, counter-clockwise
    paper: int = 255  # the grey of the background
    seal: bool = False
    jpeg_quality: int = 0  # 0: no JPEG compression

    @classmethod
    def draw(cls, rng: random.Random) -> ScanStyle:
        return cls(
            dpi=rng.choice([150, 200, 200, 250, 300]),
            rulings=rng.random() < 0.75,
            angle=round(rng.uniform(-2.0, 2.0), 2),
            paper=rng.randint(200, 245),
            seal=rng.random() < 0.6,
            jpeg_quality=rng.choice([0, 60, 75, 90]),
        )


def _document(report: SyntheticReport, rulings: bool) -> pymupdf.Document:
    writer = render_pdf._layout(report)
    if not rulings:
        for page in writer.pages:
            page.lines.clear()
            page.shades.clear()
    return pymupdf.open(stream=writer.paint(report.titles[-1], ""), filetype="pdf")


def page_images(report: SyntheticReport, style: ScanStyle, seed: int = 0) -> list[NDArray[Any]]:
    """Each page as the scanner saw it (RGB arrays)."""
    rng = random.Random(seed)
    with _document(report, style.rulings) as document:
        pages = []
        for number, page in enumerate(document):
            pixmap = page.get_pixmap(dpi=style.dpi, colorspace="rgb", alpha=False)
            rgb = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)
            pages.append(_dirty(rgb.copy(), style, rng, seal=style.seal and number == len(document) - 1))
    return pages


def word_boxes(report: SyntheticReport, style: ScanStyle) -> list[list[tuple[int, int, int, int, str]]]:
    """Each page's printed words (x0, y0, x1, y1 in pixels of `page_images`, and the word) for a
    style with no rotation: where to smudge a given number."""
    scale = style.dpi / 72
    with _document(report, style.rulings) as document:
        return [
            [(int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1, word)
             for x0, y0, x1, y1, word, *_ in page.get_text("words")]
            for page in document
        ]


def _dirty(rgb: NDArray[Any], style: ScanStyle, rng: random.Random, *, seal: bool) -> NDArray[Any]:
    import cv2

    height, width = rgb.shape[:2]
    # Grey paper: the white turns grey, the ink stays dark.
    rgb = (rgb.astype(np.float32) * (style.paper / 255.0)).astype(np.uint8)
    if seal:
        _stamp(rgb, rng)
    if style.angle:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), style.angle, 1.0)
        rgb = cv2.warpAffine(rgb, matrix, (width, height), flags=cv2.INTER_LINEAR,
                             borderValue=(style.paper,) * 3)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, 6, rgb.shape)
    rgb = np.clip(rgb.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if style.jpeg_quality:
        ok, encoded = cv2.imencode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, style.jpeg_quality])
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
        rgb = rgb if decoded is None else decoded
    return rgb


def _stamp(rgb: NDArray[Any], rng: random.Random) -> None:
    """A red seal (a ring, a star, an arc of text) over the lower part of the page: tables and signature."""
    import cv2

    height, width = rgb.shape[:2]
    radius = int(width * 0.12)
    centre = (int(width * rng.uniform(0.35, 0.8)), int(height * rng.uniform(0.3, 0.8)))
    red = (220, 30, 30)
    layer = rgb.copy()
    cv2.circle(layer, centre, radius, red, max(radius // 12, 2))
    cv2.drawMarker(layer, centre, red, cv2.MARKER_STAR, radius // 2, max(radius // 20, 2))
    cv2.ellipse(layer, centre, (int(radius * 0.75),) * 2, 0, 200, 340, red, max(radius // 10, 2))
    # Seal ink is translucent: the print shows through it.
    np.copyto(rgb, np.minimum(rgb, layer))


def _encode(rgb: NDArray[Any], quality: int) -> bytes:
    import cv2

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality]) if quality else cv2.imencode(
        ".png", bgr)
    assert ok, "OpenCV encodes any RGB array"
    return bytes(encoded.tobytes())


def image_pdf(report: SyntheticReport, style: ScanStyle, seed: int = 0) -> bytes:
    """An image-only PDF: each page one picture, no text layer."""
    return pictures_pdf(page_images(report, style, seed), style)


def pictures_pdf(pages: list[NDArray[Any]], style: ScanStyle) -> bytes:
    """Pages (RGB arrays scanned in `style`) as an image-only PDF."""
    document = pymupdf.open()
    for rgb in pages:
        height, width = rgb.shape[:2]
        page = document.new_page(width=width * 72 / style.dpi, height=height * 72 / style.dpi)
        page.insert_image(page.rect, stream=_encode(rgb, style.jpeg_quality or 90))
    data: bytes = document.tobytes(garbage=3, deflate=True, no_new_id=True)
    return data


def image(report: SyntheticReport, style: ScanStyle, seed: int = 0) -> bytes:
    """The whole report as one picture, its pages one under the other (JPEG, or PNG when unset)."""
    pages = page_images(report, style, seed)
    return _encode(np.concatenate(pages, axis=0), style.jpeg_quality)


def blurred_digit(rgb: NDArray[Any], box: tuple[int, int, int, int]) -> NDArray[Any]:
    """The picture with the region `box` (x0, y0, x1, y1) smudged past reading."""
    import cv2

    x0, y0, x1, y1 = box
    out = rgb.copy()
    out[y0:y1, x0:x1] = cv2.GaussianBlur(out[y0:y1, x0:x1], (0, 0), sigmaX=(y1 - y0) / 4)
    return out

