"""Regions from office names: the zones supplement to the gazetteer; no place guessed from a misspelling."""

from __future__ import annotations

import pytest

from govreports.model import Region
from indexer.extract import Extracted
from indexer.parser import identity, parse_text
from indexer.parser.region import Located, Place, find_place, locate, rank_of, zones

ZONES = zones()


def test_the_supplement_lists_only_real_provinces_and_cities_and_nothing_the_gazetteer_knows() -> None:
    assert 30 <= len(ZONES) <= 60
    for zone in ZONES:
        assert rank_of(zone.province) == "province", zone
        if zone.city is not None and zone.city != zone.province:  # a municipality is its own city
            assert rank_of(zone.city) == "city", zone
            assert locate(zone.city).province == zone.province, zone
        assert zone.level in ("city", "county"), zone
        assert rank_of(zone.name) is None, f"{zone.name} is in the gazetteer already"


@pytest.mark.parametrize("zone", ZONES, ids=[zone.name for zone in ZONES])
def test_each_zone_is_its_own_place_and_its_administration_has_its_level(zone: object) -> None:
    name, province, city, level = (getattr(zone, key) for key in ("name", "province", "city", "level"))
    assert find_place(f"{name}管理委员会") == Located(Place(province, city, name))
    assert identity.level_of(f"{name}管理委员会") == level
    assert identity.level_of(f"{name}财政局") == "department"


@pytest.mark.parametrize(
    ("office", "place"),
    [
        ("河北雄安新区管理委员会", Place("河北省", None, "雄安新区")),
        ("河北省雄安新区管委会", Place("河北省", None, "雄安新区")),
        ("重庆两江新区管理委员会", Place("重庆市", "重庆市", "两江新区")),
        ("青岛西海岸新区管委会", Place("山东省", "青岛市", "西海岸新区")),
        ("南京江北新区管理委员会", Place("江苏省", "南京市", "江北新区")),
        # A zone that spans two cities: the city before it says which part.
        ("成都天府新区管委会", Place("四川省", "成都市", "天府新区")),
        ("四川天府新区管委会", Place("四川省", None, "天府新区")),
        ("深圳市前海深港现代服务业合作区管理局", Place("广东省", "深圳市", "前海深港现代服务业合作区")),
        ("苏州工业园区管理委员会", Place("江苏省", "苏州市", "苏州工业园区")),
        ("杨凌示范区管委会", Place("陕西省", None, "杨凌农业高新技术产业示范区")),
        # The gazetteer's own districts, not the supplement's.
        ("上海市浦东新区人民政府", Place("上海市", "上海市", "浦东新区")),
        ("天津市滨海新区人民政府", Place("天津市", "天津市", "滨海新区")),
        ("宁波市江北区人民政府", Place("浙江省", "宁波市", "江北区")),
    ],
)
def test_zones_with_the_province_or_city_before_them(office: str, place: Place) -> None:
    assert find_place(office) == Located(place)


def test_a_zone_after_another_province_is_no_zone() -> None:
    assert find_place("广东两江新区管委会").place == Place(None, None, None)


@pytest.mark.parametrize(
    ("office", "place"),
    [
        ("水宁县人民政府", Place(None, None, None)),  # 永宁县 misspelt: not 宁县 of 甘肃省
        ("成丰县人民政府", Place(None, None, None)),  # 咸丰县 misspelt: not 丰县 of 江苏省
        ("广州市海猪区人民政府", Place("广东省", "广州市", None)),  # 海珠区 misspelt: the city stays
        ("杭州市钱塘区人民政府", Place("浙江省", "杭州市", None)),  # newer than the gazetteer
        ("淄博高新区管委会", Place("山东省", "淄博市", None)),  # a zone not in the supplement
    ],
)
def test_an_unknown_or_misspelt_name_fixes_nothing_and_says_so(office: str, place: Place) -> None:
    located = find_place(office)
    assert located.place == place
    assert located.warning is not None and located.warning[0] == "region_unknown"


@pytest.mark.parametrize(
    ("office", "county"),
    [("白云区人民政府", "白云区"), ("鼓楼区人民政府", "鼓楼区"), ("朝阳区教育局", "朝阳区")],
)
def test_a_county_name_of_several_places_leaves_the_rest_open_and_says_so(office: str, county: str) -> None:
    located = find_place(office)
    assert located.place.province is None and located.place.city is None
    assert located.place.county == county
    assert located.warning is not None and located.warning[0] == "region_ambiguous"


@pytest.mark.parametrize(
    ("office", "place"),
    [
        ("广州海珠区人民政府", Place("广东省", "广州市", "海珠区")),  # abbreviation, then a name within it
        ("国家税务总局广州市税务局", Place("广东省", "广州市", None)),  # a city may open the name later
        ("中山市东区街道办事处", Place("广东省", "中山市", None)),  # a township, not 攀枝花市's 东区
        ("东区街道办事处", Place(None, None, None)),
        ("吉林大学", Place(None, None, None)),  # an abbreviation alone names nothing
        ("均禾街", Place(None, None, None)),
        ("沧县教育局", Place("河北省", "沧州市", "沧县")),
    ],
)
def test_places_only_where_the_name_makes_them_certain(office: str, place: Place) -> None:
    assert find_place(office) == Located(place)


def test_the_report_carries_the_region_warning() -> None:
    text = "水宁县2015年政府信息公开工作年度报告\n一、概述\n本县认真贯彻《条例》。"
    report = parse_text(Extracted(text=text))
    assert report.office == "水宁县"
    assert report.region == Region(province=None, city=None, county=None)
    assert "region_unknown" in [warning.code for warning in report.warnings]


def test_a_zone_report_gets_the_zone_region_and_level() -> None:
    text = "重庆两江新区管理委员会2020年政府信息公开工作年度报告\n一、总体情况\n无。"
    report = parse_text(Extracted(text=text))
    assert report.region == Region(province="重庆市", city="重庆市", county="两江新区")
    assert report.level == "city"
