"""Which reports one office published: `office_id`, the sha1 of the office's key.

The key is the region (cpca's adcode of the finest level the report's region gives, when
those names fix exactly one division; or the functional-zone supplement's entry) plus the
normalised office name: NFKC, no whitespace, and the region's own names removed from its
start when they repeat the region down to its finest level. So 淮安市洪泽区人民政府 and
洪泽区人民政府 (both in 江苏省 淮安市 洪泽区) are one office, while 淮安市财政局 printed on a
洪泽区 portal stays apart from 洪泽区财政局.

Conservative on purpose: when unsure, two offices. A name whose region is not certain
(财政局, 白云区财政局) is never merged across portals: its key holds the report's portal
(`source_site`; for a local file, its folder). `offices.toml` (GOVREPORTS_AUDIT_OFFICES)
merges or splits names by hand.
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from govreports.errors import ConfigError
from govreports.model import Region
from indexer.parser.region import zones

# cpca's placeholders for the city level of municipalities and province-administered counties.
_NO_CITY = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_MUNICIPALITY_CODES = ("11", "12", "31", "50")
# What a province or city may drop when printed before a name (江苏洪泽区…, 淮安洪泽区…).
_SHORTENED_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")

Place = tuple[str | None, str | None, str | None]


def normalise_name(name: str) -> str:
    """NFKC with every whitespace character removed: `洪泽区 人民政府` and `洪泽区人民政府` are one name."""
    return "".join(unicodedata.normalize("NFKC", name).split())


# --- the region's code ----------------------------------------------------------------


@dataclass(frozen=True)
class _Division:
    province: str | None
    city: str | None
    county: str | None
    code: str


@cache
def _divisions() -> dict[str, list[_Division]]:
    """Every division of cpca's table by its own name, with the province and city it lies in."""
    import cpca  # slow to import (~0.5 s): loaded on the first look-up

    by_name: dict[str, list[_Division]] = {}
    for info in cpca.ad_2_addr_dict.values():
        if info.name in _NO_CITY:
            continue
        code: str = info.adcode
        province = cpca.adcode_name(code[:2])
        city = cpca.adcode_name(code[:4]) if info.rank >= 1 else None
        if city in _NO_CITY:
            city = province if code[:2] in _MUNICIPALITY_CODES else None
        place: Place = (province, city if info.rank >= 1 else None, info.name if info.rank == 2 else None)
        by_name.setdefault(info.name, []).append(_Division(*place, code=code))
    return by_name


def _zone_code(place: Place) -> str | None:
    province, city, county = place
    for zone in zones():
        if zone.name != county or province not in (None, zone.province):
            continue
        if zone.city is None or city in (None, zone.city):  # a zone over several cities: any of them
            return f"zone:{zone.province}:{zone.name}"
    return None


def region_code(region: Region) -> str | None:
    """The adcode of the finest level `region` gives, when its names fix one division; else None."""
    return _place_code((region.province, region.city, region.county))


@lru_cache(maxsize=1 << 16)  # every report is coded; a corpus has far fewer places than reports
def _place_code(place: Place) -> str | None:
    province, city, county = place
    if county is not None and (zone := _zone_code(place)) is not None:
        return zone
    city = None if city == province else city  # a municipality is its own city
    wanted: Place = (province, city, county)
    rank = max((index for index, level in enumerate(wanted) if level), default=-1)
    if rank < 0:
        return None
    matches = {
        division.code
        for division in _divisions().get(wanted[rank] or "", [])
        if _rank(division) == rank and _within(division, wanted)
    }
    return matches.pop() if len(matches) == 1 else None


def _rank(division: _Division) -> int:
    return 2 if division.county else 1 if division.city and division.city != division.province else 0


def _within(division: _Division, wanted: Place) -> bool:
    """Whether the levels `wanted` gives above the division's own agree with it."""
    province, city, _county = wanted
    own_city = None if division.city == division.province else division.city
    return province in (None, division.province) and city in (None, own_city)


# --- the name without the region's prefix ------------------------------------------------


def _shortened(name: str) -> list[str]:
    """`name` and its short form (江苏省 → 江苏), longest first."""
    for suffix in _SHORTENED_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [name, name[: -len(suffix)]]
    return [name]


def strip_region(name: str, region: Region) -> str:
    """`name` without a leading run of the region's names that reaches its finest level.

    淮安市洪泽区人民政府 in (江苏省, 淮安市, 洪泽区) → 人民政府; 淮安市财政局 there stays whole,
    for its prefix stops at the city, above the region's finest level.
    """
    variants = _prefix_forms((region.province, region.city, region.county))
    position, reached = 0, -1
    for index, forms in enumerate(variants):
        form = next((form for form in forms if name.startswith(form, position)), None)
        if form is not None:
            position += len(form)
            reached = index
    if variants and reached == len(variants) - 1 and position < len(name):
        return name[position:]
    return name


@lru_cache(maxsize=1 << 16)
def _prefix_forms(place: Place) -> tuple[tuple[str, ...], ...]:
    """How each level of `place` may be printed before a name, coarsest first; the finest in full."""
    levels = list(dict.fromkeys(level for level in place if level))
    if not levels:
        return ()
    return (*(tuple(_shortened(level)) for level in levels[:-1]), (levels[-1],))


# --- overrides: offices.toml -------------------------------------------------------------


@dataclass(frozen=True)
class OfficeRule:
    """Reports printed under one of `names` (with or without the region's prefix), and matching the
    optional conditions, count as printed under `key`: several names to one merge, a name given a
    key of its own for some portal, region or years splits."""

    key: str
    names: frozenset[str]
    source_site: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    years: frozenset[int] | None = None

    def matches(self, name: str, region: Region, source_site: str | None, year: int | None) -> bool:
        if name not in self.names and strip_region(name, region) not in self.names:
            return False
        if self.source_site is not None and source_site != self.source_site:
            return False
        if self.years is not None and year not in self.years:
            return False
        wanted = (self.province, self.city, self.county)
        given = (region.province, region.city, region.county)
        return all(want is None or want == have for want, have in zip(wanted, given, strict=True))


_RULE_KEYS = frozenset({"key", "names", "source_site", "province", "city", "county", "years"})


def _rule(entry: Any, where: str) -> OfficeRule:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise ConfigError(f"{where}: each [[office]] needs a key (the office's name)")
    unknown = sorted(set(entry) - _RULE_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)} in [[office]] {entry['key']!r}")
    names = entry.get("names", [entry["key"]])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError(f"{where}: names of {entry['key']!r} must be a list of printed names")
    years = entry.get("years")
    if years is not None and not (isinstance(years, list) and all(isinstance(y, int) for y in years)):
        raise ConfigError(f"{where}: years of {entry['key']!r} must be a list of years")
    conditions = {key: entry.get(key) for key in ("source_site", "province", "city", "county")}
    if not all(value is None or isinstance(value, str) for value in conditions.values()):
        raise ConfigError(f"{where}: source_site, province, city and county of {entry['key']!r} are names")
    return OfficeRule(
        key=normalise_name(entry["key"]),
        names=frozenset(normalise_name(name) for name in names),
        years=None if years is None else frozenset(years),
        **conditions,
    )


def parse_overrides(text: str, where: str = "offices.toml") -> tuple[OfficeRule, ...]:
    """The rules of an offices.toml text; a malformed file is one `ConfigError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{where}: not valid TOML: {error}") from error
    entries = data.get("office", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: [[office]] entries expected")
    return tuple(_rule(entry, where) for entry in entries)


def load_overrides(path: Path | None) -> tuple[OfficeRule, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the offices file {path}: {error.strerror}") from error
    return parse_overrides(text, str(path))


# --- the key ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Printed:
    """What a report says about who published it."""

    office: str | None
    region: Region
    source_site: str | None = None
    source_url: str | None = None
    year: int | None = None


def _portal(printed: Printed) -> str:
    """Where a name of uncertain region was found: the portal, else the file's folder or the host."""
    if printed.source_site:
        return f"site:{printed.source_site}"
    if printed.source_url:
        parts = urlsplit(printed.source_url)
        if parts.scheme == "file":
            return f"folder:{PurePosixPath(unquote(parts.path)).parent}"
        return f"host:{parts.hostname or ''}"
    return "nowhere"


def office_key(printed: Printed, rules: Sequence[OfficeRule] = ()) -> str | None:
    """The office's key; None when the report names no office."""
    if not printed.office:
        return None
    name = normalise_name(printed.office)
    for rule in rules:
        if rule.matches(name, printed.region, printed.source_site, printed.year):
            name = rule.key  # the report counts as printed under the rule's name
            break
    code = region_code(printed.region)
    if code is None:
        places = "/".join(
            level or "" for level in (printed.region.province, printed.region.city, printed.region.county)
        )
        return f"{_portal(printed)}|{places}|{name}"
    return f"{code}|{strip_region(name, printed.region)}"


def office_id(printed: Printed, rules: Sequence[OfficeRule] = ()) -> str | None:
    """40 hex digits identifying the office (sha1 of `office_key`); None without an office name."""
    key = office_key(printed, rules)
    return None if key is None else hashlib.sha1(key.encode("utf-8")).hexdigest()


def latest_name(printed: Iterable[tuple[int | None, str]]) -> str | None:
    """The office's name: the one printed on its latest report (year, then as given)."""
    ordered = sorted(printed, key=lambda pair: pair[0] if pair[0] is not None else -1)
    return ordered[-1][1] if ordered else None
