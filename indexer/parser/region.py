"""Province / city / county named by an office or title, only when the name makes it certain.

Uses cpca's table of administrative divisions (loaded lazily, once: it takes about half
a second). cpca itself guesses the first of several same-named counties; here a
county name shared by several places (白云区: 广州市 and 贵阳市) fixes nothing unless
a province or city named before it narrows it to one. Abbreviations (`广州` for
广州市) are ignored: as substrings of ordinary words they would invent places.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, NamedTuple

Rank = Literal["province", "city", "county"]
_RANKS: tuple[Rank, ...] = ("province", "city", "county")
# cpca's placeholders for the city level of municipalities and province-administered counties.
_NO_CITY = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


class Place(NamedTuple):
    province: str | None
    city: str | None
    county: str | None


@cache
def _cpca() -> Any:
    import cpca  # slow to import (~0.5 s): loaded on the first look-up, not with the parser

    return cpca


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
        city = province if code[:2] in ("11", "12", "31", "50") else None
    if info.rank == 1:
        return Place(province, city, None)
    return Place(province, city, info.name)


def _full_name_matches(text: str) -> list[list[Any]]:
    """Per place name found in `text`, the divisions it can mean (full names only)."""
    matches = []
    for match in _cpca().matcher.iter(text):
        options = [info for info in match.attr_infos if info.name == match.origin_value]
        if options:
            matches.append(options)
    return matches


def locate(text: str) -> Place:
    """The place `text` (an office name or title) names; a level stays None when it is not certain."""
    if not text:
        return Place(None, None, None)
    candidates: list[Any] = []
    for options in _full_name_matches(text):
        if not candidates:
            candidates = options
            continue
        narrower = [option for option in options if any(option.belong_to(c) for c in candidates)]
        if narrower:
            candidates = narrower
        elif not any(c.belong_to(option) for option in options for c in candidates):
            break  # another, unrelated place: the first one names the office
    places = {_place(info) for info in candidates}
    return Place(*(_only({getattr(place, rank) for place in places}) for rank in _RANKS))


def _only(values: set[str | None]) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


def rank_of(name: str) -> Rank | None:
    """The rank of a division named exactly `name`, when all divisions of that name share it."""
    ranks = {info.rank for options in _full_name_matches(name) for info in options if info.name == name}
    return _RANKS[ranks.pop()] if len(ranks) == 1 else None
