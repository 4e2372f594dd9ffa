"""Province / city / county named by an office, only when the name makes it certain.

Uses cpca's table of administrative divisions (loaded lazily, once: it takes about half
a second), and a small supplement for the functional zones it does not list
(indexer/parser/data/zones.toml: 雄安新区, 两江新区, 苏州工业园区 …).

Conservative on purpose: a wrong place is worse than none. The places must open the
office's name and follow one another (`广州市海珠区…`); a county name met anywhere else
(`宁县` inside a misspelt `水宁县`) fixes nothing, only a province or city may open the
name later (`国家税务总局广州市税务局`). A county name shared by several places (白云区:
广州市 and 贵阳市) fixes nothing unless a province or city named before it narrows it to
one. Abbreviations (`广州` for 广州市) count only when a place or a zone follows them
directly: on their own, as substrings of ordinary words, they would invent places.
Whatever is left open for such a reason says so in a warning (`region_ambiguous`,
`region_unknown`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, NamedTuple

from govreports.model import Level

Rank = Literal["province", "city", "county"]
_RANKS: tuple[Rank, ...] = ("province", "city", "county")
# cpca's placeholders for the city level of municipalities and province-administered counties.
_NO_CITY = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_MUNICIPALITY_CODES = ("11", "12", "31", "50")
# What follows a township's name, never a county's: 中山市东区街道 is no 东区 (攀枝花市).
_TOWNSHIP_AFTER = ("街道", "街", "镇", "乡", "社区", "村", "路")
# Words of a development zone a city's abbreviation may open: `淄博高新区管委会`.
_ZONE_WORD = re.compile(
    r"(?:国家级)?(?:经济技术开发区|高新技术产业开发区|高新技术开发区|经济开发区|经开区|高新区|开发区"
    r"|综合保税区|保税区|工业园区|产业园区|新区|综合实验区|合作区)"
)
# A name that reads as a place (`水宁县`, `海猪区`) where no known place stands: unknown.
_PLACE_LIKE = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:自治县|自治州|自治区|自治旗|新区|省|市|县|区|旗|盟)")
_NOT_IN_A_PLACE_NAME = re.compile(r"[局委办府厅院部政镇乡街所站队会处馆司]")
# How a zone's administration signs: `河北雄安新区管理委员会`, `深圳市前海深港现代服务业合作区管理局`, or
# the zone's name alone (`雄安新区2021年…报告`).
_ZONE_ADMINISTRATION = re.compile(r"(?:党工委)?(?:管理委员会|管委会|管理局|人民政府|政府)?")


class Place(NamedTuple):
    province: str | None
    city: str | None
    county: str | None


class Located(NamedTuple):
    """The place an office names, and why a level was left open (a warning code and detail)."""

    place: Place
    warning: tuple[str, str] | None = None


_NOWHERE = Place(None, None, None)


@cache
def _cpca() -> Any:
    import cpca  # slow to import (~0.5 s): loaded on the first look-up, not with the parser

    return cpca


# --- the zones supplement --------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    name: str
    province: str
    city: str | None
    level: Level


class _Zones(NamedTuple):
    by_name: dict[str, Zone]  # every name and alias
    pattern: re.Pattern[str]  # any of them, longest first


@cache
def _zones() -> _Zones:
    text = resources.files("indexer.parser").joinpath("data/zones.toml").read_text(encoding="utf-8")
    by_name: dict[str, Zone] = {}
    for entry in tomllib.loads(text)["zone"]:
        zone = Zone(entry["name"], entry["province"], entry.get("city"), entry["level"])
        for name in (zone.name, *entry.get("aliases", ())):
            by_name[name] = zone
    names = sorted(by_name, key=len, reverse=True)
    return _Zones(by_name, re.compile("|".join(map(re.escape, names))))


@cache
def zones() -> tuple[Zone, ...]:
    """Every zone of the supplement, once each (read once: the audit asks for every report)."""
    return tuple(dict.fromkeys(_zones().by_name.values()))


def _prefix_places(prefix: str) -> list[list[Any]] | None:
    """The divisions each name in `prefix` can mean, when names (full or abbreviated) are all it holds."""
    found: list[list[Any]] = []
    end = 0
    for match in _cpca().matcher.iter(prefix):
        if match.start_index != end:
            return None
        found.append(match.attr_infos)
        end = match.end_index + 1
    return found if end == len(prefix) else None


def _prefix_city(prefix: str, zone: Zone) -> tuple[bool, str | None]:
    """Whether `prefix` (the text before a zone's name) names only the zone's own province and city.

    Returns (consistent, the city it names): `成都天府新区` names 成都市 of a zone that spans two.
    """
    places = _prefix_places(prefix)
    if places is None:
        return False, None
    named_city = None
    for options in places:
        province = [info for info in options if info.rank == 0 and info.name == zone.province]
        cities = [
            info.name
            for info in options
            if info.rank == 1 and _name(info.adcode[:2]) == zone.province and zone.city in (None, info.name)
        ]
        if not province and not cities:
            return False, None
        named_city = cities[0] if cities and not province else named_city
    return True, named_city


def _zone(text: str) -> Located | None:
    match = _zones().pattern.search(text)
    if match is None:
        return None
    zone = _zones().by_name[match.group()]
    consistent, named_city = _prefix_city(text[: match.start()], zone)
    if not consistent:
        return None
    return Located(Place(zone.province, zone.city or named_city, zone.name))


def zone_level(office: str) -> Level | None:
    """The level of a zone's own administration (`两江新区管理委员会`, `雄安新区`); None for other offices."""
    match = _zones().pattern.search(office)
    if match is None or not _ZONE_ADMINISTRATION.fullmatch(office, match.end()):
        return None
    if not _prefix_city(office[: match.start()], zone := _zones().by_name[match.group()])[0]:
        return None
    return zone.level


# --- the gazetteer -----------------------------------------------------------------------


def _name(adcode: str) -> str | None:
    name: str | None = _cpca().adcode_name(adcode)
    return name


def _place(info: Any) -> Place:
    code: str = info.adcode
    province = _name(code[:2])
    if info.rank == 0:
        return Place(province, None, None)
    city = _name(code[:4])
    if city in _NO_CITY or city is None:
        # 上海市's districts sit under 市辖区: the municipality is also the city.
        city = province if code[:2] in _MUNICIPALITY_CODES else None
    if info.rank == 1:
        return Place(province, city, None)
    return Place(province, city, info.name)


def _within(options: list[Any], broader: list[Any]) -> list[Any]:
    """The options inside one of `broader`; all of them when nothing narrows them yet."""
    if not broader:
        return options
    return [option for option in options if any(option.belong_to(other) for other in broader)]


def _names_a_township(text: str, end: int) -> bool:
    """Whether the name ending before `end` is a township's: 中山市东区街道 is no 东区 of 攀枝花市."""
    return text.startswith(_TOWNSHIP_AFTER, end)


class _Chain(NamedTuple):
    """The places that open the name, one inside the other: what they can mean, and where they end."""

    candidates: list[Any]
    end: int


def _chain(text: str) -> _Chain:
    """Full names from the start (or from a province or city later on), each inside the one before.

    An abbreviation counts only as a constraint on the name right after it, or before a zone's
    word (`淄博高新区`).
    """
    candidates: list[Any] = []
    abbreviated: list[Any] = []  # what an abbreviation just before the next name can mean
    end = 0
    for match in _cpca().matcher.iter(text):
        options = [info for info in match.attr_infos if info.name not in _NO_CITY]
        full = [info for info in options if info.name == match.origin_value]
        if match.start_index != end:
            if candidates or abbreviated:
                break  # a gap: what follows is another word, not a narrower place
            if not full or full[0].rank == 2:
                continue  # a county's name inside a word (宁县 in a misspelt 水宁县) fixes nothing
        narrower = _within(full or [info for info in options if info.rank < 2], abbreviated or candidates)
        if not narrower or (full and _names_a_township(text, match.end_index + 1)):
            break  # an unrelated place after the first ones, or a township's name
        if full:
            candidates, abbreviated = narrower, []
        else:
            abbreviated = narrower
        end = match.end_index + 1
    if abbreviated and _ZONE_WORD.match(text, end):
        return _Chain(abbreviated, end)
    return _Chain(candidates, end if candidates else 0)


def _describe(places: Iterable[Place]) -> str:
    return ", ".join(sorted("".join(filter(None, dict.fromkeys(place))) for place in places))


def find_place(text: str) -> Located:
    """The place `text` (an office name) names, with a warning for what it leaves open."""
    if not text:
        return Located(_NOWHERE)
    if (zone := _zone(text)) is not None:
        return zone
    chain = _chain(text)
    places = {_place(info) for info in chain.candidates}
    place = Place(*(_only({getattr(found, rank) for found in places}) for rank in _RANKS))
    if len(places) > 1:
        detail = f"region: {text[: chain.end]!r} can be {_describe(places)}; what differs is left open"
        return Located(place, ("region_ambiguous", detail))
    unknown = _PLACE_LIKE.match(text, chain.end)
    if unknown and _unknown_place(text, unknown):
        detail = f"region: {unknown.group()!r} is neither in the gazetteer nor among the zones; left open"
        return Located(place, ("region_unknown", detail))
    return Located(place)


def _unknown_place(text: str, match: re.Match[str]) -> bool:
    """A name that reads as a place's, not an office's or a township's (东区街道 is a township)."""
    return not _NOT_IN_A_PLACE_NAME.search(match.group()) and not _names_a_township(text, match.end())


def place_rank(name: str) -> Rank | None:
    """The rank of the place a name wholly is (`柞水县`, `陕西省柞水县`, `孝感市`); None when unsure."""
    chain = _chain(name)
    ranks = {info.rank for info in chain.candidates}
    return _RANKS[ranks.pop()] if chain.end == len(name) and len(ranks) == 1 else None


def locate(text: str) -> Place:
    """The place `text` (an office name) names; a level stays None when it is not certain."""
    return find_place(text).place


def _only(values: set[str | None]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


def _full_name_matches(text: str) -> list[list[Any]]:
    """Per place name found in `text`, the divisions it can mean (full names only)."""
    matches = []
    for match in _cpca().matcher.iter(text):
        options = [info for info in match.attr_infos if info.name == match.origin_value]
        if options:
            matches.append(options)
    return matches


def rank_of(name: str) -> Rank | None:
    """The rank of a division named exactly `name`, when all divisions of that name share it."""
    ranks = {info.rank for options in _full_name_matches(name) for info in options if info.name == name}
    return _RANKS[ranks.pop()] if len(ranks) == 1 else None
