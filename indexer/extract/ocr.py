"""OCR of scanned pages and table pictures: RapidOCR's boxes rebuilt into text lines and TAB rows.

RapidOCR (`rapidocr-onnxruntime`) runs PP-OCRv4's Chinese detection and
recognition models on ONNX Runtime; the models ship inside its wheel, so nothing
is downloaded and nothing needs a network. It is imported on first use: text
reports never load it.

A page is read in five steps, each cheap next to the models:

1. Clean: the red channel only (a red seal vanishes, black and blue ink stay
   dark), the background lifted to white (grey paper, JPEG noise), the skew of a
   crooked scan measured by projection profiles and rotated away.
2. Rulings: long thin strokes found by morphological opening become the same
   `Segment`s the PDF extractor reads from a text layer, so tables are rebuilt by
   its code (`indexer.extract.pdf`): the same grid, merged cells, TAB rows.
3. Boxes: text detected on a copy scaled down (detection costs grow fast with
   size), each box cut at the vertical rulings it crosses and recognised from the
   full-size image. Every box keeps its confidence: one minus the strongest rival
   reading at any step. A number with a mark of no dark ink (a blurred digit, the
   pale ghost of a seal's edge) is never confident, whatever the model says.
4. Numbers: a box that reads as a number is decoded again among digits only,
   each digit's probability the sum of the shapes it is printed as (`0`, `o`,
   `O`, `〇`): a lone zero is as much an o as a 0 to a text model, never to a
   number column. Its sign is read from the ink (`ink_sign`): a short bar at the
   digits' mid-height before them is a minus sign, whether the recogniser read it
   weakly, lost it, or the box left it out; any other mark there leaves it in doubt.
   A number read without confidence in its line is read again alone.
5. Lines: boxes inside a ruled table go to the grid cell under their centre;
   the others are grouped into lines by vertical overlap (numbers one above the
   other split a line into its rows). A run of lines that has numbers in the
   same columns and no rulings is a table too: its columns are the header's
   above it when that shows more of them (a lone row of numbers), else the
   x-positions of its numbers, and its rows are printed as TAB rows like the
   others. A number cell with no text box but with ink in it (a lone digit
   detection missed) is read from its ink; when that reads as no number (a digit
   smudged past reading) it is `UNREAD`, not blank.

A page or picture of no page's shape (a sliver, a dot) is refused (`check_shape`) on every path.

A number cell read below `CONFIDENT` is printed with `LOW_CONFIDENCE` before it;
`indexer.ocr_trust` decides, with the report's own rules, whether it stands,
is repaired, or becomes null (an `UNREAD` cell too), and removes the marks before
the text is kept.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.extract import pdf as ruled

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from indexer.extract import Extracted

    Image = NDArray[Any]  # OpenCV's functions are typed loosely: any element type

# A number read with every step at least this probable stands as read.
CONFIDENT = 0.9
# Printed before a number cell read below CONFIDENT; a private-use character no report holds.
LOW_CONFIDENCE = "\ue000"
# Printed alone in a number cell that shows ink but where nothing was read (a digit smudged past
# detection): the cell is a number no one could read, not a blank one.
UNREAD = "\ue001"
# The resolution pages are rendered at, and assumed for pictures (whose files rarely say).
DPI = 200
# Detection runs on a copy whose longer side is at most this: it costs 0.55 s a page here, 3 s at 2000.
# At 1024 (0.35 s) it misses minus signs and lone small digits too often.
DETECT_SIDE = 1280
# Pictures larger than this (pixels) are scaled down first: a page at 300 dpi is 8.7 million.
MAX_PIXELS = 12_000_000
# Pictures claiming more than this are refused unread (an A0 poster at 300 dpi is 140 million).
MAX_DECODED = 150_000_000
# A page or picture is read only when its shorter side has at least MIN_SIDE pixels (less: a
# spacer, a rule, an icon) and its longer side is at most MAX_ASPECT times the shorter (a picture
# of 35 A4 pages one under the other): a sliver would be looked at in thousands of pieces.
MIN_SIDE = 16
MAX_ASPECT = 50
_SKEW_LIMIT = 2.5  # degrees searched either way
_RULING_POINTS = 18.0  # a stroke at least this long (points) is a ruling, not a character's stroke
_REC_HEIGHT = 48
_DIGITS = "0123456789"
# Shapes a digit is printed or read as, besides itself.
_LOOKALIKES = {
    **{digit: chr(ord(digit) + 0xFEE0) for digit in "0123456789"},  # the full-width forms
    "0": "oO〇０D。○",
    "1": "lI|１",
    "2": "Z２",
    "5": "S５",
    "8": "B８",
    ",": "，",
    ".": "．",
    "-": "－",
}
_SIGNS = ",.-+"
_SPACES = " \u3000"
# （一）, the first item, however it was read: its one stroke read as a dash, or lost (an empty
# pair of brackets opening a label: no other item numeral is a single stroke).
_DASH_ITEM = re.compile(r"[(（]\s*[-－—–一]\s*[)）]|^[(（]\s*[)）](?=[\u4e00-\u9fff])")
_STRAY_MARKS = "—–一_~"  # dash-like marks read at a number's ends
_SIGN_DOUBT = 0.05  # a minus sign this probable anywhere in an unsigned number leaves it in doubt
_NUMBER = re.compile(r"^[+\-]?\d[\d,.]*$")
_LOOKALIKE_TABLE = str.maketrans({alike: digit for digit, alikes in _LOOKALIKES.items() for alike in alikes})


@dataclass(frozen=True)
class Box:
    """A recognised piece of text, in points from the page's top left."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float
    number: bool = False  # read among digits only

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class OcrPage:
    """One page read: its lines (text and TAB rows, top to bottom) and its boxes."""

    lines: list[str]
    boxes: list[Box] = field(default_factory=list)


# --- the engine ------------------------------------------------------------------------------


_engine: Any = None


def engine() -> Any:
    """RapidOCR, loaded once per process, on one thread: each parsing worker has its own core."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
        for wrapper in (_engine.text_det.infer, _engine.text_rec.session):
            wrapper.session = _with_memory_arena(wrapper.session)
    return _engine


def _with_memory_arena(session: Any) -> Any:
    """The same model on a session that keeps its memory between runs: RapidOCR turns ONNX
    Runtime's arena off, and allocating afresh for every strip costs 6% of recognition."""
    import onnxruntime  # type: ignore[import-untyped]  # no stubs

    options = session.get_session_options()
    options.enable_cpu_mem_arena = True
    return onnxruntime.InferenceSession(session._model_path, options, providers=session.get_providers())


# --- images ----------------------------------------------------------------------------------


def decode_image(data: bytes) -> Image:
    """Image file bytes (PNG, JPEG, TIFF, …) → an RGB array; None-safe for OpenCV's silent failures."""
    import cv2

    from govreports.errors import ExtractionError

    _check_dimensions(data)
    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        raise ExtractionError("unreadable image: not a PNG, JPEG or TIFF picture")
    rgb: Image = cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
    return rgb


def _check_dimensions(data: bytes) -> None:
    """Refuse a picture whose header claims more than MAX_DECODED pixels before decoding a byte of
    it: a few kilobytes of PNG can unpack to gigabytes."""
    import io

    from PIL import Image as Pillow

    from govreports.errors import ExtractionError

    try:
        with Pillow.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except Exception as error:  # Pillow raises UnidentifiedImageError, OSError, ValueError, …
        raise ExtractionError(f"unreadable image: {error}") from error
    if width * height > MAX_DECODED:
        raise ExtractionError(f"image too large: {width}×{height} pixels")


def clean(rgb: Image) -> Image:
    """Grey ink on white: the red channel (seals vanish), the background lifted, the skew undone."""
    import cv2

    height, width = rgb.shape[:2]
    if height * width > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / (height * width))
        rgb = cv2.resize(rgb, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA)
    grey = rgb[:, :, 0] if rgb.ndim == 3 else rgb
    paper = float(np.percentile(grey[::4, ::4], 90))
    lifted: Image = np.clip(grey.astype(np.float32) * (255.0 / max(paper, 1.0)), 0, 255).astype(np.uint8)
    angle = skew(lifted)
    if abs(angle) < 0.05:
        return lifted
    centre = (lifted.shape[1] / 2, lifted.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
    straight: Image = cv2.warpAffine(
        lifted, matrix, (lifted.shape[1], lifted.shape[0]), flags=cv2.INTER_LINEAR, borderValue=255
    )
    return straight


def skew(grey: Image) -> float:
    """The rotation (degrees) that makes the text's lines horizontal: the one whose row profile is
    sharpest, searched in steps of 0.25° and then 0.05° on a small copy."""
    import cv2

    scale = 600 / grey.shape[1]
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    if ink.sum() < 50:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    coarse = max(np.arange(-_SKEW_LIMIT, _SKEW_LIMIT + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(coarse - 0.25, coarse + 0.26, 0.05), key=sharpness))


# --- rulings ---------------------------------------------------------------------------------


def ruling_segments(grey: Image, points_per_pixel: float) -> list[ruled.Segment]:
    """Long thin dark strokes, horizontal and vertical, as the PDF extractor's segments (points)."""
    import cv2

    ink = (grey < 150).astype(np.uint8)
    length = max(int(_RULING_POINTS / points_per_pixel), 8)
    segments: list[ruled.Segment] = []
    for horizontal in (True, False):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        strokes = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(strokes, connectivity=8)
        for x, y, w, h, _area in stats[1:count]:
            thin = h if horizontal else w
            if thin * points_per_pixel > 4.0:  # a filled block (a bar, a photo), not a line
                continue
            if horizontal:
                at, start, end = (y + h / 2), x, x + w
            else:
                at, start, end = (x + w / 2), y, y + h
            segments.append(
                ruled.Segment(horizontal, at * points_per_pixel, start * points_per_pixel,
                              end * points_per_pixel)
            )
    return segments


def without_rulings(grey: Image, segments: Iterable[ruled.Segment], points_per_pixel: float) -> Image:
    """The image with the rulings painted white: a stroke through a cell's text is no character."""
    out = grey.copy()
    for s in segments:
        at, start, end = (round(v / points_per_pixel) for v in (s.at, s.start, s.end))
        if s.horizontal:
            out[max(at - 3, 0) : at + 4, max(start, 0) : end + 1] = 255
        else:
            out[max(start, 0) : end + 1, max(at - 3, 0) : at + 4] = 255
    return out


# --- boxes -----------------------------------------------------------------------------------


def detect(grey: Image) -> list[tuple[int, int, int, int]]:
    """Text boxes (x0, y0, x1, y1 in pixels of `grey`).

    A tall picture (pages one under the other) is looked at in bands of a page's proportions,
    overlapping by a tenth; a box belongs to the band that holds its centre away from the overlap.
    """
    height, width = grey.shape[:2]
    band = int(width * 1.5)
    if height <= band * 1.1:
        return _detect_band(grey)
    overlap = band // 10
    boxes = []
    for top in range(0, height, band - overlap):
        bottom = min(top + band, height)
        low = top + overlap // 2 if top else 0
        high = bottom - overlap // 2 if bottom < height else height
        for x0, y0, x1, y1 in _detect_band(grey[top:bottom]):
            if low <= top + (y0 + y1) / 2 < high:
                boxes.append((x0, y0 + top, x1, y1 + top))
        if bottom == height:
            break
    return boxes


def _detect_band(grey: Image) -> list[tuple[int, int, int, int]]:
    """Text boxes found on a copy of `grey` scaled to DETECT_SIDE."""
    import cv2

    scale = min(1.0, DETECT_SIDE / max(grey.shape[:2]))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    quads, _elapsed = engine().text_det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    if quads is None:
        return []
    height, width = grey.shape[:2]
    out = []
    for quad in quads:
        xs, ys = quad[:, 0] / scale, quad[:, 1] / scale
        x0, x1 = max(int(xs.min()) - 2, 0), min(math.ceil(xs.max()) + 2, width)
        y0, y1 = max(int(ys.min()) - 2, 0), min(math.ceil(ys.max()) + 2, height)
        if x1 - x0 >= 3 and y1 - y0 >= 3:
            out.append((x0, y0, x1, y1))
    return out


def split_at(boxes: list[tuple[int, int, int, int]], walls: Sequence[tuple[float, float, float]]
             ) -> list[tuple[int, int, int, int]]:
    """Boxes cut where a vertical ruling (x, top, bottom in pixels) crosses them: one cell's text each."""
    out = []
    for x0, y0, x1, y1 in boxes:
        cuts = sorted(
            x for x, top, bottom in walls if x0 + 3 < x < x1 - 3 and top <= (y0 + y1) / 2 <= bottom
        )
        edges = [x0, *(int(x) for x in cuts), x1]
        out += [(a, y0, b, y1) for a, b in itertools.pairwise(edges) if b - a >= 4]
    return out


@dataclass
class _Alphabet:
    """The recogniser's classes, and which of them each digit, sign and space is read from."""

    characters: list[str]
    groups: list[list[int]]  # per number symbol (blank, digits, signs, space): its classes
    symbols: str  # the symbol of each group; '' for the blank
    dashes: list[int]  # the classes of a minus sign and of the marks it is read as

    @classmethod
    def of(cls, characters: list[str]) -> _Alphabet:
        index = {char: i for i, char in enumerate(characters)}
        symbols = ["", *_DIGITS, *_SIGNS, " "]
        groups = [[0]]
        for symbol in symbols[1:]:
            shapes = _SPACES if symbol == " " else symbol + _LOOKALIKES.get(symbol, "")
            groups.append([index[shape] for shape in shapes if shape in index])
        dashes = [index[shape] for shape in "-－" + _STRAY_MARKS if shape in index]
        return cls(characters, groups, "".join(symbols[1:]), dashes)


_alphabet: _Alphabet | None = None


def alphabet() -> _Alphabet:
    global _alphabet
    if _alphabet is None:
        _alphabet = _Alphabet.of(list(engine().text_rec.postprocess_op.character))
    return _alphabet


def recognise(grey: Image, rects: list[tuple[int, int, int, int]]) -> list[tuple[str, float, bool]]:
    """(text, confidence, read as a number) for each rectangle of `grey`.

    The rectangles of one line are recognised together, side by side in one strip with
    white gaps: a lone digit out of context is as much a letter as a digit to the model
    (a single 0 comes back empty or as `o`), in a line of numbers it is read as a digit.
    Each step of the strip's reading is given back to the rectangle it lies in.
    """
    results: list[tuple[str, float, bool]] = [("", 0.0, False)] * len(rects)
    for line in _lines_of(rects):
        for i, result in zip(line, _read_strip(grey, [rects[i] for i in line]), strict=True):
            results[i] = result
    _read_again(grey, rects, results)
    _read_alone(grey, rects, results)
    return results


def _read_alone(grey: Image, rects: list[tuple[int, int, int, int]], results: list[tuple[str, float, bool]]
                ) -> None:
    """Numbers read without confidence in their line, read again each on its own: the same digits
    read with confidence there stand (a line's other text, a label's characters, can lend a digit a
    rival that the digit alone does not have). A different reading changes nothing."""
    for i, (text, confidence, number) in enumerate(results):
        if number and text and confidence < CONFIDENT:
            again = _read_strip(grey, [rects[i]])[0]
            if again[0] == text and again[2] and again[1] >= CONFIDENT:
                results[i] = again


def _read_strip(grey: Image, rects: list[tuple[int, int, int, int]]) -> list[tuple[str, float, bool]]:
    strip, spans = _strip(grey, rects)
    steps = engine().text_rec.session(strip)[0][0]
    scale = strip.shape[3] / len(steps)  # pixels of the strip per step
    middles = (np.arange(len(steps)) + 0.5) * scale
    grey_strip = (strip[0, 0] + 1.0) * 127.5
    darkest = grey_strip.min(axis=0)  # each pixel column's darkest grey
    results = []
    for left, right in spans:
        inside = (middles >= left) & (middles < right)
        text, confidence, number = read_steps(steps[inside], alphabet())
        if number:
            sign, digits_at = ink_sign(grey_strip[:, max(left, 0) : right])
            if sign is not None:  # the digits alone: a weakly read sign is no doubt about them
                text, confidence, number = read_steps(steps[inside], alphabet(), signless=True)
            dash_read = float(steps[inside][:, alphabet().dashes].max(initial=0.0)) > _SIGN_DOUBT
            text, confidence = signed(text, confidence, sign, dash_read)
            if is_faint(text, darkest[max(left, 0) + digits_at : right]):  # the sign's bar is thin
                confidence = min(confidence, 0.5)
        results.append((text, confidence, number))
    return results


def ink_sign(crop: Image) -> tuple[str | None, int]:
    """The sign a number's crop (grey, paper white) shows left of its digits, from its ink: "-" for
    one short bar at the digits' mid-height, "" for no mark there, None for anything else; and the
    column where its digits start (0 when unknown).

    The recogniser loses a small minus sign (a hyphen is a few pixels at 150 dpi) or reads it
    weakly; the ink does not. The digits are the marks at least half as tall as the tallest.
    """
    import cv2

    darkest = float(crop.min()) if crop.size else 255.0
    if darkest > _FAINT_INK:
        return None, 0
    mask = (crop < (255.0 + darkest) / 2).astype(np.uint8)
    count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    marks = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _area in stats[1:count]]
    tallest = max((h for _x, _y, _w, h in marks), default=0)
    digits = [m for m in marks if m[3] >= tallest / 2]
    if not digits:
        return None, 0
    first = min(x for x, _y, _w, _h in digits)
    top = min(y for _x, y, _w, _h in digits)
    bottom = max(y + h for _x, y, _w, h in digits)
    speck = (tallest * _SPECK) ** 2
    before = [m for m in marks if m[0] + m[2] <= first and m[2] * m[3] > speck]
    if not before:
        return "", first
    if len(before) > 1:
        return None, 0
    x, y, w, h = before[0]
    height = bottom - top
    middle = (y + h / 2 - top) / max(height, 1)
    bar = h <= _BAR_THICKNESS * height and h <= w <= 1.5 * height and 0.3 <= middle <= 0.8  # "－" too
    return ("-", first) if bar and first - (x + w) <= 1.5 * height else (None, 0)


def signed(number: str, confidence: float, sign: str | None, dash_read: bool) -> tuple[str, float]:
    """A number's reading with its sign settled by its ink (`ink_sign`; `number` then read
    without signs): a bar before the digits is a minus sign however weakly the recogniser read
    it, no mark is none. Where the ink shows something else, a sign in doubt (a dash-like class
    `dash_read` anywhere) leaves the number not confident."""
    if sign is not None:
        return sign + number, confidence
    return number, min(confidence, 0.5) if dash_read and not number.startswith("-") else confidence


def is_faint(number: str, darkest: NDArray[np.float32]) -> bool:
    """Whether a number read from a piece of a strip (each column's darkest grey) owes a digit to
    a mark with no dark ink: a smudged or blurred digit, the pale ghost of a seal's edge. The
    recogniser reads such marks with confidence all the same (a blur looks like a 0 to it, a
    seal's arc like a 7). Marks are runs of columns, so the check needs no alignment of the
    model's steps with the picture: a pale mark, or fewer dark marks than digits, is faint."""
    pale = any(darkest[start:end].min() > _FAINT_INK for start, end in _runs(darkest < _MARK, _MARK_WIDTH))
    dark = len(_runs(darkest <= _FAINT_INK, 2))
    return pale or dark < sum(char.isdigit() for char in number)



def _runs(flags: NDArray[np.bool_], width: int) -> list[tuple[int, int]]:
    """The (start, end) of each run of set flags at least `width` long."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return [(int(start), int(end)) for start, end in zip(edges[::2], edges[1::2], strict=True)
            if end - start >= width]


def _read_again(grey: Image, rects: list[tuple[int, int, int, int]], results: list[tuple[str, float, bool]]
                ) -> None:
    """Short pieces read as nothing, or not confidently, read again each after a digit read well.

    A run of the same character (a row of zeros) is read as fewer of them, or none: the
    model has learnt that text rarely repeats so. Alternating with another digit breaks the run.
    """
    short = [
        i for i, (text, confidence, _number) in enumerate(results)
        if (not text or confidence < CONFIDENT) and _aspect(rects[i]) < 3
    ]
    anchors = [
        i for i, (text, confidence, number) in enumerate(results)
        if number and len(text) == 1 and text != "0" and confidence >= 0.99
    ]
    if not short or not anchors:
        return
    anchor = max(anchors, key=lambda i: results[i][1])
    for start in range(0, len(short), _AGAIN):
        batch = short[start : start + _AGAIN]
        read = _read_strip(grey, [r for i in batch for r in (rects[anchor], rects[i])] + [rects[anchor]])
        for k, i in enumerate(batch):
            if read[2 * k + 1][0] and read[2 * k + 1][1] > results[i][1]:
                results[i] = read[2 * k + 1]


def _aspect(rect: tuple[int, int, int, int]) -> float:
    return (rect[2] - rect[0]) / max(rect[3] - rect[1], 1)


_FAINT_INK = 110  # a mark whose darkest ink is paler than this grey is smudged
_MARK = 200  # a strip's column darker than this holds part of a mark
_MARK_WIDTH = 3  # columns (at the recogniser's height): narrower marks are specks, not characters
_INK_CONTRAST = 10  # a smoothed pixel this much darker than the paper is ink (its grain: 4)
_INK_SHARE = 0.004  # a cell with at least this share of ink pixels (inside its margins) shows something
_SPECK = 0.1  # a mark no larger than this share of the digits' height, squared, is a speck
_BAR_THICKNESS = 0.3  # a minus sign is at most this share of the digits' height thick
_AGAIN = 12  # pieces read again in one strip
_MAX_HEADER_BOXES = 200  # a header line with more boxes than this is no table's header
_GAP = 16  # white pixels (at the recogniser's height) between two rectangles of a strip


def _lines_of(rects: list[tuple[int, int, int, int]]) -> list[list[int]]:
    """Rectangle indices grouped into lines by vertical overlap, each line left to right."""
    lines: list[list[int]] = []
    extent = (0, -1)
    for i in sorted(range(len(rects)), key=lambda i: (rects[i][1] + rects[i][3]) / 2):
        _x0, y0, _x1, y1 = rects[i]
        middle = (y0 + y1) / 2
        if lines and extent[0] <= middle <= extent[1]:
            lines[-1].append(i)
            extent = (min(extent[0], y0), max(extent[1], y1))
        else:
            lines.append([i])
            extent = (y0, y1)
    return [sorted(line, key=lambda i: rects[i][0]) for line in lines]


def _strip(grey: Image, rects: list[tuple[int, int, int, int]]) -> tuple[Image, list[tuple[int, int]]]:
    """The rectangles scaled to the recogniser's height, side by side; the span of each in the strip."""
    import cv2

    parts: list[Image] = [np.full((_REC_HEIGHT, _GAP // 2), 255, dtype=np.uint8)]
    spans = []
    position = _GAP // 2
    for x0, y0, x1, y1 in rects:
        width = max(1, round((x1 - x0) * _REC_HEIGHT / max(y1 - y0, 1)))
        parts += [cv2.resize(grey[y0:y1, x0:x1], (width, _REC_HEIGHT)),
                  np.full((_REC_HEIGHT, _GAP), 255, dtype=np.uint8)]
        spans.append((position - _GAP // 4, position + width + _GAP // 4))
        position += width + _GAP
    strip = np.concatenate(parts, axis=1).astype(np.float32) / 127.5 - 1.0
    return np.repeat(strip[None, None], 3, axis=1), spans


def read_steps(steps: NDArray[np.float32], letters: _Alphabet, *, signless: bool = False
               ) -> tuple[str, float, bool]:
    """One crop's step probabilities (steps × classes) → its text, confidence, whether a number.

    `signless`: a number's digits only, its signs read as nothing (its ink tells its sign).

    A number with a dash-like mark at an end (a stroke of a seal, a ruling's stub, or a minus
    sign) is a number not read with confidence: which of them the mark is, the rules decide.
    """
    if not len(steps):
        return "", 0.0, False
    nothing = [0, *letters.groups[-1]]  # the blank and the spaces
    text, confidence = _ctc(steps, letters.characters, nothing)
    as_digits = unicodedata.normalize("NFKC", text).translate(_LOOKALIKE_TABLE).replace(" ", "")
    marked = not _NUMBER.match(as_digits)
    if marked and not _NUMBER.match(as_digits.strip(_STRAY_MARKS)):
        return text, confidence, False
    folded = np.stack([steps[:, group].sum(axis=1) for group in letters.groups], axis=1)
    for nothing_too in (-1, *(letters.symbols.index(sign) + 1 for sign in "+-" if signless)):
        folded[:, 0] += folded[:, nothing_too]  # a space is nothing too (and a sign, `signless`)
        folded[:, nothing_too] = 0.0
    digits, confidence = _ctc(folded, ["", *letters.symbols], [0])
    digits = digits.replace(" ", "")
    if not _NUMBER.match(digits):
        return text, min(confidence, 0.5), False
    # Its sign is settled by the ink (`signed`): a minus sign may be lost or read weakly.
    return digits, min(confidence, 0.5) if marked else confidence, True


def _ctc(steps: NDArray[np.float32], characters: Sequence[str], nothing: Sequence[int]) -> tuple[str, float]:
    """Greedy CTC (repeated classes are one, the `nothing` classes dropped) and its confidence.

    The confidence is one minus the strongest rival: at any step, the probability of a
    character other than the one read there (or, in a gap, other than its neighbours,
    which spread into it). A CTC model splits a character's probability between its steps
    and the blanks around it, so the probability of what was read says little; a rival
    says another character, or one more, may be printed there.
    """
    best = steps.argmax(axis=1)
    blank = np.isin(best, nothing)
    text: list[str] = []
    previous = -1
    for step, klass in enumerate(best.tolist()):
        if not blank[step] and klass != previous:
            text.append(characters[klass] if klass < len(characters) else "")
        previous = -1 if blank[step] else klass
    top = np.argpartition(steps, -4, axis=1)[:, -4:]  # the four likeliest classes, unordered
    rival = 0.0
    for step in range(len(best)):
        own = _neighbours(best, blank, step)
        for klass in top[step].tolist():
            if klass not in own and klass not in nothing:
                rival = max(rival, float(steps[step, klass]))
    return "".join(text).strip(), 1.0 - rival


def _neighbours(best: NDArray[Any], blank: NDArray[Any], step: int) -> set[int]:
    """The class read at the step, or the classes read on either side of the gap it lies in."""
    if not blank[step]:
        return {int(best[step])}
    own = set()
    for direction in (-1, 1):
        other = step + direction
        while 0 <= other < len(best) and blank[other]:
            other += direction
        if 0 <= other < len(best):
            own.add(int(best[other]))
    return own


# --- lines -----------------------------------------------------------------------------------


def check_shape(width: float, height: float) -> None:
    """Refuse a page or picture of no page's or table's shape (`MIN_SIDE`, `MAX_ASPECT`)."""
    from govreports.errors import ExtractionError

    short, long = sorted((width, height))
    if short < MIN_SIDE or long > MAX_ASPECT * short:
        raise ExtractionError(f"{width:g}×{height:g} pixels is not the shape of a page or a table")


def read_page(rgb: Image, dpi: float = DPI) -> OcrPage:
    """One page (or picture) → its lines: ruled tables as TAB rows, the rest as text lines.
    Every OCR path passes here: a picture of no page's shape is refused (`check_shape`)."""
    check_shape(rgb.shape[1], rgb.shape[0])
    grey = clean(rgb)
    points_per_pixel = 72.0 / (dpi * grey.shape[1] / rgb.shape[1])  # `clean` scales large ones down
    segments = ruling_segments(grey, points_per_pixel)
    groups = sorted(ruled.clusters(ruled.merge_collinear(segments)), key=lambda g: min(s.at for s in g))
    table_segments = [s for group in groups for s in group]
    walls = [
        (s.at / points_per_pixel, s.start / points_per_pixel, s.end / points_per_pixel)
        for s in table_segments
        if not s.horizontal
    ]
    plain = without_rulings(grey, table_segments, points_per_pixel)
    rects = split_at(detect(plain), walls)
    boxes = [
        Box(x0 * points_per_pixel, y0 * points_per_pixel, x1 * points_per_pixel, y1 * points_per_pixel,
            text if number else mend(text), confidence, number)
        for (x0, y0, x1, y1), (text, confidence, number) in zip(rects, recognise(plain, rects), strict=True)
        if text
    ]
    ink = PageInk(plain, points_per_pixel, float(np.median(plain[::8, ::8])))
    return OcrPage(lay_out(boxes, groups, ink), boxes)


def mend(text: str) -> str:
    """A text box with the recogniser's known slips undone: a bracketed 一 is a dash to it, or
    nothing."""
    return _DASH_ITEM.sub("（一）", text)


@dataclass(frozen=True)
class PageInk:
    """The ink of a page's table cells (regions in points), on a smoothed copy: the paper's grain
    is no ink, a smudge still is."""

    grey: Image
    points_per_pixel: float
    paper: float  # the page's background grey

    def _inside(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, Image]:
        """The region inside its margins (clear of rulings): its top left (pixels) and its ink mask."""
        import cv2

        left, top, right, bottom = (round(v / self.points_per_pixel) for v in (x0, y0, x1, y1))
        margin_x, margin_y = (right - left) // 6, (bottom - top) // 6
        top, left = max(top + margin_y, 0), max(left + margin_x, 0)
        region = self.grey[top : bottom - margin_y, left : right - margin_x]
        if region.shape[0] < 5 or region.shape[1] < 5:
            return left, top, np.zeros((0, 0), dtype=bool)
        mask: Image = cv2.blur(region, (5, 5)) < self.paper - _INK_CONTRAST
        return left, top, mask

    @staticmethod
    def _shows(mask: Image) -> bool:
        return bool(mask.size) and int(mask.sum()) >= max(6, _INK_SHARE * mask.size)

    def read(self, x0: float, y0: float, x1: float, y1: float) -> str:
        """A number cell where detection found no text: blank (""), or the number its ink shows
        (marked when not confident), or `UNREAD` when its ink reads as no number. Detection
        misses a lone small digit now and then."""
        left, top, ink = self._inside(x0, y0, x1, y1)
        if not self._shows(ink):
            return ""
        rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        pad = max(2, int(rows[-1] - rows[0]) // 3)
        rect = (max(left + int(columns[0]) - pad, 0), max(top + int(rows[0]) - pad, 0),
                left + int(columns[-1]) + pad + 1, top + int(rows[-1]) + pad + 1)
        text, confidence, number = _read_strip(self.grey, [rect])[0]
        if not (text and number):
            return UNREAD
        return text if confidence >= CONFIDENT else LOW_CONFIDENCE + text

    def signed(self, box: Box, x_from: float) -> Box:
        """A number box with the ink between `x_from` (where the box's cell, or the gap before
        it, begins) and its digits looked at: a bar there is a minus sign the box left out (too
        small to be detected), and it takes the box over; other ink leaves the number not
        confident. A box with a sign of its own, or no ink before it, stays as it is."""
        if not box.number or box.text.startswith(("-", "+")) or x_from >= box.x0:
            return box
        left, top, right, bottom = (
            round(v / self.points_per_pixel) for v in (max(x_from, 0.0), box.y0, box.x1, box.y1)
        )
        import cv2

        crop = self.grey[max(top, 0) : bottom, max(left, 0) : right]
        if crop.shape[0] < 5 or crop.shape[1] < 5:
            return box
        width = max(1, round(crop.shape[1] * _REC_HEIGHT / crop.shape[0]))  # as the recogniser sees it
        sign, _digits_at = ink_sign(cv2.resize(crop, (width, _REC_HEIGHT)))
        if sign == "-":
            return replace(box, x0=x_from, text="-" + box.text)
        return box if sign == "" else replace(box, confidence=min(box.confidence, 0.5))

    def stray(self, x0: float, y0: float, x1: float, y1: float, boxes: Sequence[Box]) -> bool:
        """Whether a cell shows ink outside the boxes read in it: a sign or a digit the reading
        left out (a minus sign too small to be detected), so the reading is not the whole cell."""
        left, top, ink = self._inside(x0, y0, x1, y1)
        ink = ink.copy()
        for box in boxes:
            x_0, y_0, x_1, y_1 = (round(v / self.points_per_pixel) for v in (box.x0, box.y0, box.x1, box.y1))
            rows = slice(max(y_0 - top - 1, 0), max(y_1 - top + 1, 0))
            ink[rows, max(x_0 - left - 1, 0) : max(x_1 - left + 1, 0)] = False
        return self._shows(ink)


def cell_text(boxes: Sequence[Box], *, placed: bool = True) -> str:
    """The boxes of one cell, top to bottom and left to right; a number marked when not confident,
    or when it is not `placed` with confidence (it may hold two columns' numbers)."""
    ordered = sorted(boxes, key=lambda b: (round(b.cy / 4), b.x0))
    if ordered and all(b.number for b in ordered):
        text = "".join(b.text for b in ordered)
        confident = placed and min(b.confidence for b in ordered) >= CONFIDENT
        return text if confident else LOW_CONFIDENCE + text
    return "".join(b.text for b in ordered).replace("\t", " ")


def lay_out(boxes: list[Box], groups: list[list[ruled.Segment]], ink: PageInk) -> list[str]:
    """Boxes → the page's lines, top to bottom: ruled tables' rows, unruled tables' rows, text.

    A number cell with no box in it is read from its ink; one with ink outside its boxes is
    not read with confidence.
    """
    tables = [ruled.build_table(group, ruled.columns(group)) for group in groups]
    cells: list[dict[tuple[int, int], list[Box]]] = [{} for _ in tables]
    loose: list[Box] = []
    for box in boxes:
        for table, table_cells in zip(tables, cells, strict=True):
            position = _cell_of(table, box.cx, box.cy)
            if position is not None:
                table_cells.setdefault(table.owner[position], []).append(box)
                break
        else:
            loose.append(box)
    items: list[tuple[float, list[str]]] = [
        (table.ys[0], _table_rows(table, table_cells, ink))
        for table, table_cells in zip(tables, cells, strict=True)
    ]
    items += [(top, rows) for top, rows in _unruled(group_lines(loose), ink)]
    return [line for _, rows in sorted(items, key=lambda item: item[0]) for line in rows]


def _cell_of(table: ruled.RuledTable, x: float, y: float) -> tuple[int, int] | None:
    row, col = bisect.bisect(table.ys, y) - 1, bisect.bisect(table.xs, x) - 1
    if 0 <= row < len(table.ys) - 1 and 0 <= col < len(table.xs) - 1:
        return row, col
    return None


def _table_rows(table: ruled.RuledTable, cells: dict[tuple[int, int], list[Box]], ink: PageInk
                ) -> list[str]:
    numbered_rows = {row for (row, _col), boxes in cells.items() if any(b.number for b in boxes)}
    # A column is labels where, in rows of numbers, it holds text more often than numbers.
    texts_less_numbers: dict[int, int] = {}
    for (row, col), boxes in cells.items():
        if row in numbered_rows:
            vote = -1 if any(b.number for b in boxes) else 1
            texts_less_numbers[col] = texts_less_numbers.get(col, 0) + vote
    rows = []
    for row in range(len(table.ys) - 1):
        texts = []
        for col in range(len(table.xs) - 1):
            if table.owner[(row, col)] != (row, col):
                texts.append("")
            elif (row, col) in cells:
                box = (table.xs[col], table.ys[row], table.xs[col + 1], table.ys[row + 1])
                if len(cells[(row, col)]) == 1:
                    cells[(row, col)] = [ink.signed(cells[(row, col)][0], table.xs[col])]
                placed = row not in numbered_rows or not (
                    _lost_ruling(table, row, col) or ink.stray(*box, cells[(row, col)])
                )
                texts.append(cell_text(cells[(row, col)], placed=placed))
            else:
                # A number column's cell, in a row of numbers, empty of text: blank, or missed?
                numeric = row in numbered_rows and texts_less_numbers.get(col, 0) <= 0
                box = (table.xs[col], table.ys[row], table.xs[col + 1], table.ys[row + 1])
                texts.append(ink.read(*box) if numeric else "")
        if any(texts):
            rows.append("\t".join(texts))
    return rows


def _lost_ruling(table: ruled.RuledTable, row: int, col: int) -> bool:
    """Whether the cell spans the next column while the rows above and below do not: a ruling
    lost in this row alone (under a seal, say), so its text may be two columns' numbers."""

    def spans(row: int) -> bool:
        inside = 0 <= row < len(table.ys) - 1 and col + 1 < len(table.xs) - 1
        return inside and table.owner[(row, col + 1)] == table.owner[(row, col)]

    return spans(row) and not spans(row - 1) and not spans(row + 1)


def group_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes in lines: a box joins the line whose vertical extent covers its centre, else starts one.
    A line with numbers one above the other is split into its rows (`unstacked`)."""
    lines: list[list[Box]] = []
    extents: list[tuple[float, float]] = []
    for box in sorted(boxes, key=lambda b: b.cy):
        if lines and extents[-1][0] <= box.cy <= extents[-1][1]:
            lines[-1].append(box)
            top, bottom = extents[-1]
            extents[-1] = (min(top, box.y0), max(bottom, box.y1))
        else:
            lines.append([box])
            extents.append((box.y0, box.y1))
    return [sorted(row, key=lambda b: b.x0) for line in lines for row in unstacked(line)]


def unstacked(line: list[Box]) -> list[list[Box]]:
    """A line's rows: numbers one above the other are two rows' (a label printed on two lines
    draws the rows beside it into one line). The numbers' centres, split where they jump by half
    a number's height, make the rows; every box goes to the row nearest its centre."""
    numbers = sorted((b for b in line if b.number), key=lambda b: b.x0)
    reach = -math.inf
    stacked = False
    for box in numbers:
        stacked = stacked or box.x0 < reach - 1
        reach = max(reach, box.x1)
    if not stacked:
        return [line]
    heights = sorted(b.y1 - b.y0 for b in numbers)
    jump = heights[len(heights) // 2] / 2
    centres = sorted(b.cy for b in numbers)
    rows: list[list[float]] = [[centres[0]]]
    for centre in centres[1:]:
        if centre - rows[-1][-1] > jump:
            rows.append([])
        rows[-1].append(centre)
    middles = [(row[0] + row[-1]) / 2 for row in rows]
    out: list[list[Box]] = [[] for _ in middles]
    for box in line:
        at = bisect.bisect(middles, box.cy)
        near = [k for k in (at - 1, at) if 0 <= k < len(middles)]
        out[min(near, key=lambda k: abs(middles[k] - box.cy))].append(box)
    return [row for row in out if row]


def _unruled(lines: list[list[Box]], ink: PageInk) -> list[tuple[float, list[str]]]:
    """Text lines; runs of lines with numbers in columns (an unruled table) as TAB rows; a lone
    line of numbers too when the line above (its header) shows its columns."""
    out: list[tuple[float, list[str]]] = []
    run: list[list[Box]] = []
    above: list[Box] = []
    for line in [*lines, []]:
        if sum(b.number for b in line) >= 2:
            run.append(line)
            continue
        if len(run) >= 2 or (run and _header_columns(above, run)):
            out.append((run[0][0].y0, _columns_rows(run, above, ink)))
        else:
            out += [(line_boxes[0].y0, [_text_line(line_boxes)]) for line_boxes in run]
        above = run[-1] if run else above
        run = []
        if line:
            out.append((line[0].y0, [_text_line(line)]))
            above = line
    return out


def _text_line(line: list[Box]) -> str:
    return " ".join(cell_text([box]) for box in line)


def _number_columns(run: list[list[Box]]) -> list[tuple[float, float]]:
    """An unruled table's value columns (x spans) where its numbers stand."""
    numbers = sorted((b for line in run for b in line if b.number), key=lambda b: b.cx)
    width = max(min((b.x1 - b.x0 for b in numbers), default=10.0), 8.0)
    columns: list[list[Box]] = []
    for box in numbers:
        if columns and box.cx - columns[-1][-1].cx <= width:
            columns[-1].append(box)
        else:
            columns.append([box])
    middles = [sum(b.cx for b in column) / len(column) for column in columns]
    return [(middle - width / 2, middle + width / 2) for middle in middles]


def _header_columns(header: list[Box], run: list[list[Box]]) -> list[tuple[float, float]]:
    """The value columns (x spans) the header line above a lone row of numbers shows, when it
    shows more than the numbers do and every number stands under one of them; else none. (A run
    of rows has its columns where its numbers stand: together they show every column, and a
    header of several lines read as one shows more columns than there are.)

    A header's boxes one above the other are one column's (a heading printed on two lines); a
    box over several columns heads a group of them and is no column. The labels' column (left
    of the run's numbers, and of its text) is not a value column.
    """
    if not header or len(header) > _MAX_HEADER_BOXES or len(run) != 1:
        return []
    (line,) = run
    labels_end = max((b.x1 for b in line if not b.number), default=-math.inf)
    spans: list[list[float]] = []
    for box in sorted(header, key=lambda b: b.x1 - b.x0):  # narrow first: a group's heading last
        if box.x0 < labels_end:
            continue
        over = [span for span in spans if box.x0 < span[1] and span[0] < box.x1]
        if len(over) == 1:
            over[0][:] = [min(over[0][0], box.x0), max(over[0][1], box.x1)]
        elif not over:
            spans.append([box.x0, box.x1])
    columns = sorted((a, b) for a, b in spans)
    if len(columns) <= len(_number_columns(run)):
        return []
    taken = [_column_of(columns, b.cx) for b in line if b.number]
    return [] if None in taken or len(set(taken)) < len(taken) else columns


def _column_of(columns: list[tuple[float, float]], x: float) -> int | None:
    """The column whose span holds `x` (a column is widened by half its width either side)."""
    at = bisect.bisect([a for a, _b in columns], x)
    for k in (at - 1, at):
        if 0 <= k < len(columns):
            a, b = columns[k]
            if a - (b - a) / 2 <= x <= b + (b - a) / 2:
                return k
    return None


def _cells(middles: list[float]) -> list[tuple[float, float]]:
    """Unruled columns' cells (x spans) from their middles: each reaches halfway to its
    neighbours (the outer ones as far out), so a digit printed off the middle is still in it."""
    if len(middles) < 2:
        return [(middle - 10.0, middle + 10.0) for middle in middles]
    bounds = [(a + b) / 2 for a, b in itertools.pairwise(middles)]
    bounds = [2 * middles[0] - bounds[0], *bounds, 2 * middles[-1] - bounds[-1]]
    return list(itertools.pairwise(bounds))


def _columns_rows(run: list[list[Box]], header: list[Box], ink: PageInk) -> list[str]:
    """An unruled table: its value columns are the header's (`_header_columns`) or where its
    numbers stand, its labels the text left of them (no label cell when no row has one).

    A column empty in a row is read there by `ink`.
    """
    columns = _header_columns(header, run) or _number_columns(run)
    middles = [(a + b) / 2 for a, b in columns]
    left = min((b.x0 for line in run for b in line if b.number), default=0.0) - 2
    labels = ["".join(b.text for b in line if b.cx < left and not b.number) for line in run]
    rows = []
    for line, label in zip(run, labels, strict=True):
        values: list[list[Box]] = [[] for _ in middles]
        gap_start = -math.inf
        for read in line:
            box = ink.signed(read, max(gap_start, read.x0 - (read.y1 - read.y0)))
            gap_start = read.x1
            if box.number or box.cx >= left:
                nearest = min(range(len(middles)), key=lambda k: abs(middles[k] - box.cx))
                values[nearest].append(box)
        top, bottom = min(b.y0 for b in line), max(b.y1 for b in line)
        texts = [
            # Two numbers in one column: two columns' numbers, perhaps, so neither is placed for sure.
            cell_text(v, placed=sum(b.number for b in v) < 2) if v
            else ink.read(a, top, b, bottom)
            for (a, b), v in zip(_cells(middles), values, strict=True)
        ]
        rows.append("\t".join([label, *texts] if any(labels) else texts))
    return rows


# --- documents -------------------------------------------------------------------------------


# A page's text layer is junk when it holds fewer CJK characters than this (a report page has
# hundreds) or when more than JUNK_SHARE of its characters are replacement or private-use ones
# (a font without a Unicode map).
MIN_CJK_PER_PAGE = 20
JUNK_SHARE = 0.3


def is_junk(text: str) -> bool:
    """Whether a page's text layer is too poor to read: see MIN_CJK_PER_PAGE and JUNK_SHARE."""
    visible = [char for char in text if not char.isspace()]
    cjk = sum("\u4e00" <= char <= "\u9fff" for char in visible)
    broken = sum(char == "\ufffd" or "\ue000" <= char <= "\uf8ff" or char < " " for char in visible)
    return cjk < MIN_CJK_PER_PAGE or broken > JUNK_SHARE * len(visible)


def is_scanned(page: Any, lines: Sequence[str]) -> bool:
    """A PDF page to read by OCR: it shows a picture, and its text layer is missing or junk."""
    return bool(page.get_images()) and is_junk("".join(lines))


def read_pdf_page(page: Any) -> list[str]:
    """A PDF page rendered at DPI (less for a page so large it would pass MAX_PIXELS) and read by
    OCR; a page of no page's shape is refused before it is rendered."""
    width, height = (side / 72 * DPI for side in (page.rect.width, page.rect.height))
    check_shape(width, height)
    dpi = DPI * min(1.0, math.sqrt(MAX_PIXELS / (width * height)))
    pixmap = page.get_pixmap(dpi=max(int(dpi), 1), colorspace="rgb", alpha=False)
    rgb = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)
    return read_page(rgb, max(int(dpi), 1)).lines


def extract(data: bytes) -> Extracted:
    """An image attachment (PNG, JPEG, TIFF): one page read by OCR."""
    from indexer.extract import Extracted
    from indexer.extract.text import check_size

    check_size(data, "image")
    return Extracted(text="\n".join(read_page(decode_image(data)).lines), explicit_cells=True, ocr=True)
