"""The report parser: extracted text in, the report model's fields out. Pure: no I/O.

`parse_text` reads a report the way a careful analyst would: the sections by their
names, the tables by their row labels whatever their layout, the identity from the
title, signature and narrative; and it never invents a number — anything it had to
interpret or could not read leaves a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from govreports.model import (
    Active2019,
    Active2021,
    Appeals,
    Applications,
    Level,
    ParseWarning,
    Region,
    Sections,
    Template,
)
from indexer.extract import Extracted
from indexer.parser import identity
from indexer.parser.normalize import clean_text
from indexer.parser.notes import Notes
from indexer.parser.region import find_place
from indexer.parser.sections import SECTION_TITLES, find_headings, section_text
from indexer.parser.tables import find_regions, read_tables

__all__ = ["ParsedReport", "parse_text"]

_NARRATIVE = ("overview", "problems", "other")
_STORY_LINES = 200  # without an overview heading, the narrative before the tables stands in for it


@dataclass
class ParsedReport:
    """The fields of `govreports.model.Report` that come from a document's text."""

    title: str | None = None
    office: str | None = None
    region: Region = field(default_factory=Region)
    level: Level | None = None
    year: int | None = None
    published_date: date | None = None
    template: Template | None = None
    sections: Sections = field(default_factory=Sections)
    text: str = ""
    active: Active2019 | Active2021 | None = None
    applications: Applications | None = None
    appeals: Appeals | None = None
    warnings: list[ParseWarning] = field(default_factory=list)


def _year_and_office(
    lines: list[str], title: identity.Title | None, story: str, notes: Notes
) -> tuple[int | None, str | None]:
    """From the title; else the signature (office) and the overview's own words (a guess, noted)."""
    year = title.year if title else None
    if year is None and (year := identity.narrative_year(story)) is not None:
        notes.add("year_guessed", f"no year in a title; {year} is the year the overview names most")
    office = title.office if title else None
    if office is None:
        office = identity.signature_office(lines)
    if office is None and (office := identity.narrative_office(story)) is not None:
        notes.add("office_guessed", f"no title or signature; {office!r} is the body the overview names")
    return year, office


def parse_text(extracted: Extracted) -> ParsedReport:
    notes = Notes()
    notes.warnings.extend(extracted.warnings)
    lines = extracted.text.splitlines()
    headings = find_headings(lines)
    regions = find_regions(lines, headings)
    first_table = min((start for start, _ in regions.values()), default=len(lines))
    title = identity.find_title(lines, first_table, extracted.title)

    # The narrative ends where the next heading or table begins.
    bounds = {**headings, **{f"table:{name}": start for name, (start, _) in regions.items()}}
    closing = identity.closing(lines)
    drop = [*closing.lines, *([title.title] if title else [])]
    texts = {name: section_text(lines, bounds, name, drop) for name in _NARRATIVE}
    for name in _NARRATIVE:
        if name not in headings:
            notes.add("section_missing", f"{SECTION_TITLES[name]}: heading not found")
    story = texts["overview"] or clean_text(lines[: min(first_table, _STORY_LINES)])
    year, office = _year_and_office(lines, title, story, notes)

    tables = read_tables(lines, regions, headings, year, extracted.explicit_cells, notes)
    located = find_place(office or "")
    if located.warning is not None:
        notes.add(*located.warning)
    place = located.place
    return ParsedReport(
        title=title.title if title else None,
        office=office,
        region=Region(province=place.province, city=place.city, county=place.county),
        level=identity.level_of(office),
        year=year,
        published_date=extracted.published_date or closing.published,
        template=tables.template,
        sections=Sections(**texts),
        text=clean_text(lines),
        active=tables.active,
        applications=tables.applications,
        appeals=tables.appeals,
        warnings=notes.warnings,
    )
