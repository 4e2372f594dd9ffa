"""The audit of a set of offices in memory: identities, chains, timeliness, missing years, office documents.

Pure: facts in, results out. The full audit gives it every report; the incremental one the
reports of the offices an index run touched. Both get the same answer for those offices.
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel

from audit.chains import cross_year
from audit.deadlines import Deadline, DeadlineRules, china_date, load_rules, timeliness
from audit.facts import ReportFacts
from audit.identity import OfficeRule, Printed, latest_name, load_overrides, office_id
from audit.missing import MissingYear, missing_years
from govreports.model import CrossYear, Region, Reuse, Timeliness
from govreports.settings import Settings

# Sentences in more reports than this find no candidates (docs/audit.md, "Copied narratives").
CANDIDATE_CAP = 200


@dataclass(frozen=True)
class AuditConfig:
    rules: tuple[OfficeRule, ...]
    deadlines: DeadlineRules
    grace_days: int
    threshold: float
    boilerplate_share: float
    boilerplate_min_reports: int
    today: date
    cap: int = CANDIDATE_CAP

    @classmethod
    def from_settings(cls, settings: Settings, today: date | None = None) -> AuditConfig:
        return cls(
            rules=load_overrides(settings.audit_offices),
            deadlines=load_rules(settings.audit_deadlines, settings.audit_other_deadline),
            grace_days=settings.audit_missing_grace_days,
            threshold=settings.audit_copied_threshold,
            boilerplate_share=settings.audit_boilerplate_share,
            boilerplate_min_reports=settings.audit_boilerplate_min_reports,
            today=today or date.today(),
        )


def _shared(office: str | None) -> str | None:
    # One string object for all the reports of an office (a full audit holds every report's).
    return None if office is None else sys.intern(office)


def assigned_office_id(facts: ReportFacts, rules: Sequence[OfficeRule]) -> str | None:
    printed = Printed(facts.office, facts.region, facts.source_site, facts.source_url, facts.year)
    return office_id(printed, rules)


def order_of(facts: ReportFacts) -> int | None:
    """The day the report was published (else first seen), as an ordinal: what `earlier` means."""
    if facts.published_date is not None:
        return facts.published_date.toordinal()
    return None if facts.first_seen_at is None else china_date(facts.first_seen_at).toordinal()


def _rank(facts: ReportFacts) -> tuple[date, str, str]:
    seen = facts.first_seen_at.isoformat() if facts.first_seen_at else ""
    return (facts.published_date or date.min, seen, facts.id)


def representatives(members: Iterable[ReportFacts]) -> dict[int, ReportFacts]:
    """Per year, the report the office's chains use: of several, the latest published (a correction)."""
    chosen: dict[int, ReportFacts] = {}
    for facts in members:
        if facts.year is None:
            continue
        current = chosen.get(facts.year)
        if current is None or _rank(facts) > _rank(current):
            chosen[facts.year] = facts
    return chosen


def previous_reports(members: Sequence[ReportFacts]) -> dict[str, ReportFacts | None]:
    """Per report, the office's report for its latest earlier year (None for the first)."""
    chosen = representatives(members)
    years = sorted(chosen)
    found: dict[str, ReportFacts | None] = {}
    for facts in members:
        if facts.year is None:
            found[facts.id] = None
            continue
        position = bisect_right(years, facts.year - 1)
        found[facts.id] = chosen[years[position - 1]] if position else None
    return found


def chains(members: Sequence[ReportFacts]) -> dict[str, CrossYear | None]:
    """Each report's cross-year rules against the office's report for the year before."""
    chosen = representatives(members)
    return {
        facts.id: None if facts.year is None else cross_year(chosen.get(facts.year - 1), facts)
        for facts in members
    }


def report_timeliness(facts: ReportFacts, config: AuditConfig) -> Timeliness:
    kind = config.deadlines.body_kind(facts.level, facts.office)
    deadline = config.deadlines.deadline(facts.year, kind, facts.region)
    return timeliness(facts.published_date, facts.first_seen_at, deadline)


# --- offices -------------------------------------------------------------------------------


CrawlLog = Mapping[str, Sequence[date]]  # per portal, the days of its successful crawls, in order


def _crawled_after(sites: Iterable[str], crawls: CrawlLog) -> Callable[[date], date | None]:
    days = sorted(day for site in sites for day in crawls.get(site, ()))

    def first_after(day: date) -> date | None:
        position = bisect_right(days, day)
        return days[position] if position < len(days) else None

    return first_after


def latest(members: Sequence[ReportFacts]) -> ReportFacts:
    return max(members, key=lambda facts: (facts.year or 0, _rank(facts)))


@dataclass(frozen=True)
class OfficeSummary:
    """What the missing-years rule needs of an office: its years, latest identity and portals."""

    years: frozenset[int]
    office: str | None
    level: str | None
    region: Region
    sites: frozenset[str]

    @classmethod
    def of(cls, members: Sequence[ReportFacts]) -> OfficeSummary:
        newest = latest(members)
        return cls(
            years=frozenset(facts.year for facts in members if facts.year is not None),
            office=newest.office,
            level=newest.level,
            region=newest.region,
            sites=frozenset(facts.source_site for facts in members if facts.source_site),
        )

    @classmethod
    def of_document(cls, document: dict[str, Any]) -> OfficeSummary:
        return cls(
            years=frozenset(document.get("years") or ()),
            office=document.get("name"),
            level=document.get("level"),
            region=Region.model_validate(document.get("region") or {}),
            sites=frozenset(document.get("source_sites") or ()),
        )


def office_missing(summary: OfficeSummary, config: AuditConfig, crawls: CrawlLog) -> list[MissingYear]:
    kind = config.deadlines.body_kind(summary.level, summary.office)

    def deadline_of(year: int) -> Deadline | None:
        return config.deadlines.deadline(year, kind, summary.region)

    return missing_years(
        summary.years,
        deadline_of,
        today=config.today,
        grace_days=config.grace_days,
        crawled_after=_crawled_after(summary.sites, crawls),
    )


def missing_documents(missing: Sequence[MissingYear]) -> list[dict[str, Any]]:
    return [
        {
            "year": entry.year,
            "status": entry.status,
            "deadline": entry.deadline.isoformat(),
            "detail": entry.detail,
        }
        for entry in missing
    ]


def office_document(
    office: str, members: Sequence[ReportFacts], missing: Sequence[MissingYear]
) -> dict[str, Any]:
    """The office as /api/offices lists it: latest printed name, every name, region, level, years."""
    newest = latest(members)
    names = list(dict.fromkeys(facts.office for facts in sorted(members, key=_rank) if facts.office))
    return {
        "office_id": office,
        "name": latest_name((facts.year, facts.office) for facts in members if facts.office),
        "names": names,
        "region": newest.region.model_dump(),
        "level": newest.level,
        "reports": len(members),
        "years": sorted({facts.year for facts in members if facts.year is not None}),
        "report_ids": sorted(facts.id for facts in members),
        "source_sites": sorted({facts.source_site for facts in members if facts.source_site}),
        "missing": missing_documents(missing),
    }


# --- one report's audit values ----------------------------------------------------------------


class ReportAudit:
    """One report's audit values, held as the JSON the index stores: as models they would take
    several kilobytes a report, and a full audit holds every report's at once. Read back as
    models when asked."""

    __slots__ = ("_cross_year", "_reuse", "_timeliness", "office_id")

    def __init__(
        self,
        office_id: str | None,
        timeliness: Timeliness,
        cross_year: CrossYear | None = None,
        reuse: Reuse | None = None,
    ) -> None:
        self.office_id = office_id
        self._timeliness = _json(timeliness)
        self._cross_year = _json(cross_year)
        self._reuse = _json(reuse)

    @property
    def timeliness(self) -> Timeliness:
        return Timeliness.model_validate_json(self._timeliness)

    @property
    def cross_year(self) -> CrossYear | None:
        return None if self._cross_year == _NULL else CrossYear.model_validate_json(self._cross_year)

    @cross_year.setter
    def cross_year(self, value: CrossYear | None) -> None:
        self._cross_year = _json(value)

    @property
    def reuse(self) -> Reuse | None:
        return None if self._reuse == _NULL else Reuse.model_validate_json(self._reuse)

    @reuse.setter
    def reuse(self, value: Reuse | None) -> None:
        self._reuse = _json(value)

    def values(self) -> dict[str, Any]:
        """The fields as the index stores them."""
        return {
            "office_id": self.office_id,
            "cross_year": orjson.loads(self._cross_year),
            "timeliness": orjson.loads(self._timeliness),
            "reuse": orjson.loads(self._reuse),
        }


_NULL = b"null"


def _json(model: BaseModel | None) -> bytes:
    return _NULL if model is None else model.__pydantic_serializer__.to_json(model)


@dataclass
class OfficeBook:
    """Reports grouped by office, with each report's chains and timeliness."""

    config: AuditConfig
    office_of: dict[str, str | None] = field(default_factory=dict)
    members: dict[str, list[ReportFacts]] = field(default_factory=dict)
    audits: dict[str, ReportAudit] = field(default_factory=dict)
    names: dict[str, str | None] = field(default_factory=dict)  # each office's latest printed name

    @classmethod
    def build(cls, config: AuditConfig, reports: Iterable[ReportFacts]) -> OfficeBook:
        book = cls(config)
        for facts in reports:
            office = _shared(assigned_office_id(facts, config.rules))
            book.office_of[facts.id] = office
            book.audits[facts.id] = ReportAudit(office, report_timeliness(facts, config))
            if office is not None:
                book.members.setdefault(office, []).append(facts)
        for office, members in book.members.items():
            book.names[office] = latest_name((facts.year, facts.office) for facts in members if facts.office)
            for report_id, result in chains(members).items():
                book.audits[report_id].cross_year = result
        return book

    def previous_of(self) -> dict[str, ReportFacts | None]:
        found: dict[str, ReportFacts | None] = {}
        for members in self.members.values():
            found.update(previous_reports(members))
        return found
