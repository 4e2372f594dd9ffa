"""Publication deadlines, keyed by the year reported on, and whether a report met its own.

The national rules are data (audit/data/deadlines.toml): reports for 2019 on fall under art. 49
of the 2019 条例 (departments by 31 January, people's governments by 31 March), reports for
2018 and before under art. 31 of the 2007 条例 (31 March for every body). Other bodies
(乡镇, 街道, functional zones, vertically managed branches) get a configurable default. A
local rule file can set other dates for a region and kind of body.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from govreports.errors import ConfigError
from govreports.model import Region, Timeliness
from indexer.parser.region import zone_level

BodyKind = Literal["government", "department", "other"]
KINDS: tuple[BodyKind, ...] = ("government", "department", "other")
CHINA = timezone(timedelta(hours=8))
_MONTH_DAY = re.compile(r"^(\d\d)-(\d\d)$")


@dataclass(frozen=True)
class Deadline:
    day: date
    rule: str


def _month_day(value: Any, where: str) -> tuple[int, int]:
    """ "03-31" → (3, 31); 02-29 is refused (it exists one year in four)."""
    found = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if found is None:
        raise ConfigError(f'{where}: a deadline is written MM-DD, e.g. "03-31", not {value!r}')
    month, day = int(found[1]), int(found[2])
    try:
        date(2001, month, day)
    except ValueError as error:
        raise ConfigError(f"{where}: {value!r} is not a day of every year") from error
    return month, day


@dataclass(frozen=True)
class _Period:
    first_year: int | None
    last_year: int | None
    rule: str
    days: dict[str, tuple[int, int]]

    def covers(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@dataclass(frozen=True)
class _LocalRule:
    """A local rule: bodies of `kinds` in the region given, for the years given, publish by `day`."""

    region: tuple[str | None, str | None, str | None]
    kinds: frozenset[str]
    first_year: int | None
    last_year: int | None
    day: tuple[int, int]
    rule: str

    def applies(self, year: int, kind: BodyKind, region: Region) -> bool:
        given = (region.province, region.city, region.county)
        return (
            kind in self.kinds
            and (self.first_year is None or year >= self.first_year)
            and (self.last_year is None or year <= self.last_year)
            and all(want is None or want == have for want, have in zip(self.region, given, strict=True))
        )

    @property
    def specificity(self) -> int:
        return sum(level is not None for level in self.region)


def _year(entry: dict[str, Any], key: str, where: str) -> int | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, int):
        raise ConfigError(f"{where}: {key} must be a year")
    return value


def _periods(data: dict[str, Any], where: str) -> tuple[_Period, ...]:
    periods = []
    for entry in data.get("period", []):
        days: dict[str, tuple[int, int]] = {
            kind: _month_day(entry[kind], where) for kind in KINDS if kind in entry
        }
        periods.append(
            _Period(_year(entry, "first_year", where), _year(entry, "last_year", where), entry["rule"], days)
        )
    return tuple(periods)


def _local_rules(data: dict[str, Any], where: str) -> tuple[_LocalRule, ...]:
    rules = []
    for entry in data.get("rule", []):
        if not isinstance(entry, dict) or "deadline" not in entry:
            raise ConfigError(f"{where}: each [[rule]] needs a deadline (MM-DD)")
        kinds = entry.get("kinds", list(KINDS))
        if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
            raise ConfigError(f"{where}: kinds must be a list of {', '.join(KINDS)}")
        region = tuple(entry.get(level) for level in ("province", "city", "county"))
        rules.append(
            _LocalRule(
                region=(region[0], region[1], region[2]),
                kinds=frozenset(kinds),
                first_year=_year(entry, "first_year", where),
                last_year=_year(entry, "last_year", where),
                day=_month_day(entry["deadline"], where),
                rule=str(entry.get("rule", f"local rule ({where})")),
            )
        )
    return tuple(rules)


@dataclass(frozen=True)
class DeadlineRules:
    periods: tuple[_Period, ...]
    local: tuple[_LocalRule, ...]
    other_default: tuple[int, int]
    vertical_prefixes: tuple[str, ...]
    vertical_contains: tuple[str, ...]

    def deadline(self, year: int | None, kind: BodyKind | None, region: Region) -> Deadline | None:
        """The day by which a body of `kind` in `region` publishes its report for `year`."""
        if year is None or kind is None:
            return None
        local = [rule for rule in self.local if rule.applies(year, kind, region)]
        if local:
            # The most specific rule; among equally specific ones, the last listed.
            chosen = max(reversed(local), key=lambda rule: rule.specificity)
            return Deadline(date(year + 1, *chosen.day), chosen.rule)
        for period in self.periods:
            if period.covers(year):
                month_day = period.days.get(kind, self.other_default if kind == "other" else None)
                return None if month_day is None else Deadline(date(year + 1, *month_day), period.rule)
        return None

    def body_kind(self, level: str | None, office: str | None) -> BodyKind | None:
        """government, department or other; None when the report's level is unknown."""
        name = office or ""
        if name.startswith(self.vertical_prefixes) or any(word in name for word in self.vertical_contains):
            return "other"
        if name and zone_level(name) is not None:
            return "other"  # a functional zone's administration
        if level == "department":
            return "department"
        if level in ("province", "city", "county"):
            return "government"
        return "other" if level == "township" else None


@cache
def _national() -> dict[str, Any]:
    text = resources.files("audit").joinpath("data/deadlines.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_rules(local_path: Path | None = None, other_default: str = "03-31") -> DeadlineRules:
    """The national rules, the default for other bodies, and the local rules in `local_path`."""
    national = _national()
    local: tuple[_LocalRule, ...] = ()
    if local_path is not None:
        try:
            data = tomllib.loads(local_path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot read the deadlines file {local_path}: {error.strerror}") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{local_path}: not valid TOML: {error}") from error
        local = _local_rules(data, str(local_path))
    vertical = national.get("vertical", {})
    return DeadlineRules(
        periods=_periods(national, "audit/data/deadlines.toml"),
        local=local,
        other_default=_month_day(other_default, "GOVREPORTS_AUDIT_OTHER_DEADLINE"),
        vertical_prefixes=tuple(vertical.get("prefixes", ())),
        vertical_contains=tuple(vertical.get("contains", ())),
    )


def china_date(moment: datetime) -> date:
    """The calendar day in China at `moment` (a naive moment is taken as UTC, as the writer stores it)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(CHINA).date()


def timeliness(published: date | None, first_seen: datetime | None, deadline: Deadline | None) -> Timeliness:
    """on_time or late (with the days) by the published date; without one, first being seen by
    the deadline proves on_time, but being seen later proves nothing (it comes after publication)."""
    if deadline is None:
        return Timeliness.model_construct(status="unknown")
    facts: dict[str, Any] = {"deadline": deadline.day, "rule": deadline.rule}
    if published is not None:
        late = (published - deadline.day).days
        if late > 0:
            return Timeliness.model_construct(
                status="late", days_late=late, decided_by="published_date", **facts
            )
        return Timeliness.model_construct(status="on_time", days_late=0, decided_by="published_date", **facts)
    if first_seen is not None and china_date(first_seen) <= deadline.day:
        return Timeliness.model_construct(status="on_time", days_late=0, decided_by="first_seen_at", **facts)
    return Timeliness.model_construct(status="unknown", **facts)
