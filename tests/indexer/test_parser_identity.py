"""Title, office, year, date, level and region from a report's own words."""

from __future__ import annotations

from datetime import date

import pytest

from indexer.parser import identity
from indexer.parser.region import Place, locate


@pytest.mark.parametrize(
    ("lines", "title", "office", "year"),
    [
        (
            ["", "广州市海珠区人民政府官洲街道办事处2019年 政府信息公开工作年度报告"],
            "广州市海珠区人民政府官洲街道办事处2019年政府信息公开工作年度报告",
            "广州市海珠区人民政府官洲街道办事处",
            2019,
        ),
        (
            ["# 建章路街道2022年政府信息公开工作年度报告"],
            "建章路街道2022年政府信息公开工作年度报告",
            "建章路街道",
            2022,
        ),
        (
            ["新下陆街道办事处2022年度 政府信息公开工作年度报告"],
            "新下陆街道办事处2022年度政府信息公开工作年度报告",
            "新下陆街道办事处",
            2022,
        ),
        (
            ["2022年度和平街道政府信息公开工作年度报告"],
            "2022年度和平街道政府信息公开工作年度报告",
            "和平街道",
            2022,
        ),
        (
            ["会仪镇人民政府2021年信息公开年度报告"],
            "会仪镇人民政府2021年信息公开年度报告",
            "会仪镇人民政府",
            2021,
        ),
        (["信访局2021年度政府信息公开工作报告"], "信访局2021年度政府信息公开工作报告", "信访局", 2021),
        (
            ["2019年上海市人民政府办公厅政府信息公开工作年度报告"],
            "2019年上海市人民政府办公厅政府信息公开工作年度报告",
            "上海市人民政府办公厅",
            2019,
        ),
        (
            ["孝感市人民政府办公室", "2020年政府信息公开工作年度报告"],
            "孝感市人民政府办公室2020年政府信息公开工作年度报告",
            "孝感市人民政府办公室",
            2020,
        ),
        (["《河包镇政府信息公开工作年度报告》"], "河包镇政府信息公开工作年度报告", "河包镇", None),
        (
            ["XX区人民政府2020年信息公开工作年度报告"],
            "XX区人民政府2020年信息公开工作年度报告",
            "XX区人民政府",
            2020,
        ),
    ],
)
def test_find_title(lines: list[str], title: str, office: str, year: int | None) -> None:
    assert identity.find_title(lines, len(lines), None) == (title, office, year)


def test_title_hint_is_used_when_the_text_has_none() -> None:
    found = identity.find_title(["一、总体情况"], 1, "无瑕街道2020年政府信息公开工作年度报告_XX区人民政府网")
    assert found == ("无瑕街道2020年政府信息公开工作年度报告", "无瑕街道", 2020)


def test_no_title_in_a_narrative() -> None:
    lines = ["2020年，均禾街严格依照《条例》做好政府信息公开工作，现将年度报告如下。"]
    assert identity.find_title(lines, 1, None) is None


@pytest.mark.parametrize(
    ("text", "office"),
    [
        (
            "2020年，在白云区委、区政府的正确领导下，均禾街严格依照《中华人民共和国政府信息公开条例》的规定",
            "均禾街",
        ),
        (
            "2020年,陈州街回族街道办事处深刻认识到推进政府信息公开工作是贯彻和落实《条例》的重要举措",
            "陈州街回族街道办事处",
        ),
        ("2020年，我街道按照区委、区政府要求，积极采取措施", None),
        ("本单位认真贯彻执行《条例》", None),
    ],
)
def test_narrative_office(text: str, office: str | None) -> None:
    assert identity.narrative_office(text) == office


def test_signature_and_date_close_the_report() -> None:
    lines = [
        "六、其他需要报告的事项",
        "本单位暂无需要报告的其他事项。",
        "",
        "官洲街道办事处",
        "",
        "2020年1月22日",
        "",
    ]
    assert identity.signature_office(lines) == "官洲街道办事处"
    assert identity.closing(lines) == (["2020年1月22日", "官洲街道办事处"], date(2020, 1, 22))


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("2020年1月22日", date(2020, 1, 22)),
        ("官洲街道办事处 2021年2月3日", date(2021, 2, 3)),
        ("2021-01-30", date(2021, 1, 30)),
        ("二〇二一年一月二十日", date(2021, 1, 20)),
        ("二〇二〇年十二月三十一日", date(2020, 12, 31)),
        ("2020年2月30日", None),
        ("自2020年1月1日起至2020年12月31日止的统计", None),
    ],
)
def test_read_date(text: str, found: date | None) -> None:
    assert identity.read_date(text) == found


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2020年，在白云区委、区政府的正确领导下，均禾街严格依照…", 2020),
        ("统计期限自2020年1月1日起至2020年12月31日止。2021年将继续…", 2020),
        ("没有年份。", None),
    ],
)
def test_narrative_year(text: str, year: int | None) -> None:
    assert identity.narrative_year(text) == year


@pytest.mark.parametrize(
    ("office", "level"),
    [
        ("广州市海珠区人民政府官洲街道办事处", "township"),
        ("均禾街", "township"),
        ("剑阁县义兴镇人民政府", "township"),
        ("海珠区人民政府", "county"),
        ("松阳县人民政府", "county"),
        ("义乌市人民政府", "county"),  # a county-level city
        ("广州市人民政府", "city"),
        ("广东省人民政府", "province"),
        ("上海市人民政府", "province"),
        ("上海市人民政府办公厅", "department"),
        ("信访局", "department"),
        ("海珠区卫生健康局", "department"),
        ("某某", None),
        (None, None),
    ],
)
def test_level_of(office: str | None, level: str | None) -> None:
    assert identity.level_of(office) == level


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("广州市海珠区人民政府官洲街道办事处", Place("广东省", "广州市", "海珠区")),
        ("华龙区人民政府中原路街道办事处", Place("河南省", "濮阳市", "华龙区")),
        ("义乌市廿三里街道办事处", Place("浙江省", "金华市", "义乌市")),
        ("广州市人民政府", Place("广东省", "广州市", None)),
        ("上海市徐汇区人民政府", Place("上海市", "上海市", "徐汇区")),
        # A county name shared by two cities fixes neither the city nor the province.
        ("白云区人民政府", Place(None, None, "白云区")),
        ("贵阳市白云区人民政府", Place("贵州省", "贵阳市", "白云区")),
        ("均禾街", Place(None, None, None)),
        ("", Place(None, None, None)),
    ],
)
def test_locate(text: str, place: Place) -> None:
    assert locate(text) == place
