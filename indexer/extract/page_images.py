"""HTML reports whose tables are pictures: the page and its pictures as one document, read together.

Some offices paste the three tables into the page as pictures (`<img>` inside the
article). Whoever has the page fetches or finds those pictures (the crawler,
`indexer.local_pictures` for a file) and packs them with the page into one
document, a page bundle, so the archive keeps them together, `--from-archive` reads
them again offline, and the report's `content_sha256` covers the page and its
pictures: a silently replaced table picture is a revision.

A page bundle is the line `MAGIC`, one line of JSON saying what follows, then the
page's bytes and each picture's bytes, back to back:

    GOVREPORTS-PAGE-WITH-IMAGES/1
    {"images":[{"bytes":48213,"src":"W020240105.png","url":"https://…/W020240105.png"}],"page":20311}
    <the page><the first picture>…

The same page and pictures always pack to the same bytes. A page without pictures is
stored as itself, never bundled.

With OCR on, when any of the three tables is missing from the page's own text, each
picture the article shows (from the bundle, or inline as a `data:` URL) is read by
OCR and its rows stand where the page shows it (`indexer.extract.html`).
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from govreports.errors import ExtractionError
from govreports.model import ParseWarning
from indexer.extract import Extracted, html

MAGIC = b"GOVREPORTS-PAGE-WITH-IMAGES/1\n"
# The JSON line is small (a few hundred bytes a picture); a longer one is not a bundle's.
_MAX_HEADER = 64 * 1024
_TABLES = ("active", "applications", "appeals")
_DATA_URL = "data:image/"


@dataclass(frozen=True)
class PageImage:
    src: str  # the address as the page writes it: the key the page's <img> finds it by
    url: str  # where it was fetched or read (an absolute URL, or a file:// URL)
    data: bytes


@dataclass(frozen=True)
class PageWithImages:
    page: bytes
    images: tuple[PageImage, ...] = ()


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    src: str
    url: str
    bytes: int = Field(ge=0)


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(ge=0)
    images: list[_Part] = Field(max_length=html.MAX_PICTURES)


def pack(bundle: PageWithImages) -> bytes:
    """The page and its pictures as one document; the page itself when it has none."""
    if not bundle.images:
        return bundle.page
    header = _Header(
        page=len(bundle.page),
        images=[_Part(src=image.src, url=image.url, bytes=len(image.data)) for image in bundle.images],
    )
    line = json.dumps(header.model_dump(), sort_keys=True, separators=(",", ":")).encode()
    return b"".join([MAGIC, line, b"\n", bundle.page, *(image.data for image in bundle.images)])


def is_bundle(data: bytes) -> bool:
    return data.startswith(MAGIC)


def unpack(data: bytes) -> PageWithImages:
    """The page and its pictures; any other document is a page without pictures."""
    if not is_bundle(data):
        return PageWithImages(data)
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise ExtractionError("damaged page bundle: no header line")
    try:
        header = _Header.model_validate_json(data[len(MAGIC) : end])
    except ValidationError as error:
        raise ExtractionError(f"damaged page bundle: {error.error_count()} errors in its header") from None
    body = memoryview(data)[end + 1 :]
    if header.page + sum(part.bytes for part in header.images) != len(body):
        raise ExtractionError("damaged page bundle: its parts do not add up to its length")
    page, at = bytes(body[: header.page]), header.page
    images = []
    for part in header.images:
        images.append(PageImage(part.src, part.url, bytes(body[at : at + part.bytes])))
        at += part.bytes
    return PageWithImages(page, tuple(images))


def extract(data: bytes, *, ocr: bool) -> Extracted:
    """An HTML page, or a page bundle: with `ocr`, the tables it shows as pictures read too."""
    bundle = unpack(data)
    if not ocr:
        return html.extract(bundle.page)
    pictures = {image.src: image.data for image in bundle.images}
    return html.extract(bundle.page, pictures=partial(read_pictures, pictures))


def read_pictures(
    pictures: Mapping[str, bytes], text: str, sources: list[str]
) -> tuple[dict[str, list[str]], list[ParseWarning]]:
    """Rows from each picture the article shows, when any of the three tables is missing from `text`."""
    found = {source: data for source in sources if (data := pictures.get(source) or _inline(source))}
    if not found or not tables_missing(text):
        return {}, []
    from indexer.extract import ocr as reader

    rows: dict[str, list[str]] = {}
    warnings: list[ParseWarning] = []
    for source, data in found.items():
        try:
            # A picture of no table's shape is refused by `read_page`, as on every OCR path.
            rows[source] = reader.read_page(reader.decode_image(data)).lines
        except Exception as error:  # ExtractionError, or OpenCV's own on a picture it cannot handle
            detail = f"{source[:200]}: {' '.join(str(error).split())[:300]}"
            warnings.append(ParseWarning(code="picture_unreadable", detail=detail))
    return rows, warnings


def _inline(source: str) -> bytes | None:
    """The bytes of a `data:image/…;base64,` picture, the page's own."""
    if not source.startswith(_DATA_URL) or ";base64," not in source[:100]:
        return None
    try:
        return binascii.a2b_base64(source.split(",", 1)[1])
    except binascii.Error:
        return None


def tables_missing(text: str) -> bool:
    """Whether the page's own text leaves any of the three tables without a single number."""
    from indexer.parser import parse_text

    parsed = parse_text(Extracted(text=text, explicit_cells=True))
    return not all(_holds_a_number(getattr(parsed, table)) for table in _TABLES)


def _holds_a_number(table: BaseModel | None) -> bool:
    if table is None:
        return False
    stack: list[Any] = [table.model_dump()]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += value.values()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return True
    return False
