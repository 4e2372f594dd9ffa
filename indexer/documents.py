"""The I/O edge of parsing: bytes or a file in, a `Report` out.

Detects the format, extracts text (a library's failure becomes one `ExtractionError`),
runs the pure parser, and adds what only the edge knows: ids, hashes, provenance,
and the portal's configured region and level, which win over what the text says.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from audit.identity import Printed, office_id
from govreports.errors import ExtractionError, GovreportsError
from govreports.model import NOWHERE, Format, Origin, Region, Report
from indexer.extract import extract
from indexer.extract.doc import OLE_MAGIC, RTF_MAGIC
from indexer.local_pictures import with_local_pictures
from indexer.ocr_trust import settle
from indexer.parser import parse_text

_EXTENSIONS: dict[str, Format] = {
    ".txt": "txt",
    ".text": "txt",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".jhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".rtf": "doc",  # read by the .doc extractor (LibreOffice)
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
}
# Picture signatures: PNG, JPEG, TIFF (both byte orders).
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SNIFF = 1024


def _sniff(data: bytes) -> Format | None:
    """The format the bytes themselves show, whatever the name says (a `.doc` is often HTML)."""
    if data.startswith(b"%PDF") or b"%PDF-" in data[:_SNIFF]:
        return "pdf"
    if data.startswith((OLE_MAGIC, RTF_MAGIC)):
        return "doc"
    if data.startswith(_IMAGE_MAGIC):
        return "image"
    if data.startswith(b"PK\x03\x04"):
        if b"word/" in data:
            return "docx"
        raise ExtractionError("a ZIP archive that is not a Word document (.docx)")
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head:
        return "html"
    return None


def detect_format(path_or_name: str | Path, data: bytes) -> Format:
    """By the bytes' signature first, then the extension; plain text when neither says otherwise."""
    sniffed = _sniff(data)
    if sniffed is not None:
        return sniffed
    suffix = Path(str(path_or_name)).suffix.lower()
    named = _EXTENSIONS.get(suffix)
    if named in ("pdf", "docx", "doc", "image"):
        raise ExtractionError(f"the file is named {suffix} but its bytes are not a {named.upper()} document")
    return named or "txt"


def canonical_url(url: str) -> str:
    """Lowercase scheme and host, no fragment, no default port, `/` for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _merge_region(configured: Region | None, found: Region) -> Region:
    """The portal's region wins; the text fills the levels it leaves open, unless it contradicts it."""
    if configured is None:
        return found
    agrees = all(
        getattr(configured, level) in (None, getattr(found, level))
        for level in ("province", "city", "county")
    )
    if not agrees:
        return configured
    return Region(
        province=configured.province or found.province,
        city=configured.city or found.city,
        county=configured.county or found.county,
    )


def parse_bytes(data: bytes, *, format: Format, origin: Origin = NOWHERE, ocr: bool = False) -> Report:
    """One document's bytes → its `Report`. Raises `ExtractionError` when no text can be had.

    `origin`: where it came from; without a URL the report's id is the sha1 of the bytes.
    `ocr`: read scanned pages and pictures with OCR (see `indexer.extract.extract`).
    """
    try:
        extracted = extract(data, format, ocr=ocr)
    except GovreportsError:
        raise
    except Exception as error:  # a library's own exception: one domain error, the caller goes on
        raise ExtractionError(f"{format} extraction failed: {type(error).__name__}: {error}") from error
    # Numbers OCR read without confidence are settled by the trust rule (indexer.ocr_trust).
    parsed = settle(extracted, parse_text) if extracted.ocr else parse_text(extracted)
    region = _merge_region(origin.region, parsed.region)
    # The office as the national rules identify it; `govreports audit` adds the offices.toml overrides.
    printed = Printed(parsed.office, region, origin.site, origin.url, parsed.year)
    return Report(
        id=_sha1(canonical_url(origin.url).encode()) if origin.url else _sha1(data),
        office_id=office_id(printed),
        title=parsed.title,
        office=parsed.office,
        region=region,
        level=origin.level or parsed.level,
        year=parsed.year,
        published_date=parsed.published_date,
        template=parsed.template,
        source_url=origin.url,
        source_site=origin.site,
        fetched_at=origin.fetched_at,
        content_sha256=hashlib.sha256(data).hexdigest(),
        format=format,
        ocr=extracted.ocr,
        provenance=origin.provenance,
        sections=parsed.sections,
        text=parsed.text,
        active=parsed.active,
        applications=parsed.applications,
        appeals=parsed.appeals,
        warnings=parsed.warnings,
    )


def parse_file(path: str | Path, *, ocr: bool = False) -> Report:
    """A local file → its `Report`: `source_url` its absolute file:// URL, `id` the sha1 of its bytes."""
    path = Path(path)
    data = path.read_bytes()
    url = path.resolve().as_uri()
    format = detect_format(path, data)
    if format == "html" and ocr:  # the pictures of its tables, saved next to it, read with it
        data = with_local_pictures(path, data)
    report = parse_bytes(data, format=format, origin=Origin(url=url), ocr=ocr)
    return report.model_copy(update={"id": _sha1(data)})
