"""Text extraction: one extractor per file format, all producing `Extracted`.

Every extractor renders tables the same way, so the parser reads one layout for
all formats: one table row per line, cells separated by a TAB, merged cells
(rowspan/colspan) expanded by repeating nothing (an empty cell) after the first.
A library's exception becomes one `ExtractionError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from govreports.errors import ExtractionError
from govreports.model import ParseWarning


@dataclass
class Extracted:
    text: str
    # Hints the page or file carries outside its body (HTML <title>, meta dates, PDF metadata).
    title: str | None = None
    published_date: date | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    # Table rows print every cell, blanks too (HTML, DOCX, ruled PDF tables); plain text may drop them.
    explicit_cells: bool = False
    # Some of the text was read by OCR (scanned pages, pictures of tables): `indexer.ocr_trust`
    # settles its low-confidence numbers, marked with `indexer.extract.ocr.LOW_CONFIDENCE`.
    ocr: bool = False


def extract(data: bytes, format: str, *, ocr: bool = False) -> Extracted:
    """Dispatch to the extractor of `format` (txt, html, pdf, docx, doc, image).

    `ocr`: read scanned pages and pictures with OCR (`GOVREPORTS_OCR`, on by default). Without
    it a picture is refused and a scanned PDF page gives no text.
    """
    # Imported lazily: each extractor pulls in a heavy library the others do not need.
    if format == "txt":
        from indexer.extract import text

        return text.extract(data)
    if format == "html":
        # A page, or a page bundled with the pictures of its tables (read with OCR only).
        from indexer.extract import page_images

        return page_images.extract(data, ocr=ocr)
    if format == "pdf":
        from indexer.extract import pdf

        return pdf.extract(data, ocr=ocr)
    if format == "docx":
        from indexer.extract import docx

        return docx.extract(data)
    if format == "doc":
        from indexer.extract import doc

        return doc.extract(data)
    if format == "image":
        if not ocr:
            raise ExtractionError("a picture of a report: OCR is off (GOVREPORTS_OCR)")
        from indexer.extract import ocr as reader

        return reader.extract(data)
    raise ValueError(f"unknown format {format!r}")
