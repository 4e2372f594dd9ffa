"""Text extraction: one extractor per file format, all producing `Extracted`.

Every extractor renders tables the same way, so the parser reads one layout for
all formats: one table row per line, cells separated by a TAB, merged cells
(rowspan/colspan) expanded by repeating nothing (an empty cell) after the first.
A library's exception becomes one `ExtractionError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from govreports.model import ParseWarning


@dataclass
class Extracted:
    text: str
    # Hints the page or file carries outside its body (HTML <title>, meta dates, PDF metadata).
    title: str | None = None
    published_date: date | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
