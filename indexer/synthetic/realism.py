"""Real-world messiness a synthetic report can be printed with (formats-in-the-wild §6, §9).

Each option is a pattern seen in real published reports. `Realism` says which
options may be used; `random_report(..., realism=...)` draws, per document, which
of them this document shows (each enabled option with probability `rate`) and
records the draw in `Quirks`. The draws come from a random stream of their own,
derived from the caller's stream without consuming it, so with every option off
the generator's output is exactly what it was before these options existed.

Numbers never change with the rendering; an option may change the identity a
reader sees (the title's form, the office's place) and then the truth follows it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, fields
from typing import ClassVar, Final

# option -> the layouts whose bytes show it (others print the document without it).
APPLIES: Final[dict[str, frozenset[str]]] = {
    # Tables cut by a page break, page numbers and running headers between their parts.
    "page_breaks": frozenset({"cell_per_line", "tab_rows", "pdf"}),
    # Template 2021's fee block with 信息内容 and its unit header each on a row of their own.
    "fee_header_row": frozenset({"cell_per_line", "tab_rows", "pipes", "html", "html_gbk", "docx", "pdf"}),
    # One or two labels with characters lost or doubled, or an OCR confusion.
    "misprints": frozenset({"cell_per_line", "tab_rows", "pipes", "html", "html_gbk", "docx", "pdf"}),
    # Cells over several lines: labels, one-character-a-line group labels, split column headers.
    "wrapped_cells": frozenset({"tab_rows", "pdf"}),
    # HTML rows one grid column off their header (a cell too many or too few, a wrong colspan).
    "shifted_spans": frozenset({"html", "html_gbk"}),
    # Text of a scan: 列1… headers, the header repeated inside table 三, stray marks in labels.
    "scan_text": frozenset({"cell_per_line", "tab_rows", "pipes"}),
    # The year in brackets after the title, portal metadata lines, a heading differing by 年/年度.
    "titles": frozenset({"cell_per_line", "tab_rows", "pipes", "html", "html_gbk", "docx", "pdf"}),
    # Offices in functional zones (雄安新区, 苏州工业园区, …) that gazetteers of counties miss.
    "zones": frozenset({"cell_per_line", "tab_rows", "pipes", "html", "html_gbk", "docx", "pdf"}),
}
OPTIONS: Final[tuple[str, ...]] = tuple(APPLIES)


@dataclass(frozen=True)
class Realism:
    """Which messy patterns a generated document may show; all off by default."""

    page_breaks: bool = False
    fee_header_row: bool = False
    misprints: bool = False
    wrapped_cells: bool = False
    shifted_spans: bool = False
    scan_text: bool = False
    titles: bool = False
    zones: bool = False
    rate: float = 1.0  # the chance that one enabled option is drawn for one document

    NONE: ClassVar[Realism]
    ALL: ClassVar[Realism]

    @classmethod
    def only(cls, *options: str, rate: float = 1.0) -> Realism:
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown realism options {sorted(unknown)}; expected some of {OPTIONS}")
        return cls(**dict.fromkeys(options, True), rate=rate)

    def enabled(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self) if f.name in APPLIES and getattr(self, f.name))


# Every option enabled, each drawn for a minority of documents.
Realism.NONE = Realism()
Realism.ALL = Realism.only(*OPTIONS, rate=0.4)


@dataclass(frozen=True)
class Quirks:
    """What one document was drawn to show, and the seed its renderers draw details from."""

    options: frozenset[str] = frozenset()
    seed: str = ""
    page_heading: str | None = None  # an HTML page heading / file title that differs from the body's
    metadata_lines: tuple[str, ...] = ()  # portal lines printed under the title

    def __contains__(self, option: object) -> bool:
        return option in self.options

    def rng(self, *salt: object) -> random.Random:
        """A stream for one renderer's details: the same document always gets the same details."""
        return random.Random(":".join([self.seed, *map(str, salt)]))


NO_QUIRKS: Final[Quirks] = Quirks()


def side_stream(rng: random.Random) -> random.Random:
    """A stream derived from `rng`'s state without drawing from it, so `rng` goes on as before."""
    return random.Random(hashlib.sha256(repr(rng.getstate()).encode()).hexdigest())


def draw_options(realism: Realism, side: random.Random, *, template: str) -> frozenset[str]:
    """The options this document shows: each enabled one with probability `realism.rate`."""
    drawn = {option for option in realism.enabled() if side.random() < realism.rate}
    if template != "2021":
        drawn.discard("fee_header_row")  # the 2019 form has no 本年收费金额 block
    return frozenset(drawn)
