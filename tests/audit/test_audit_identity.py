"""Office identity: the region prefix, the region's code, the portal for uncertain names, offices.toml."""

from __future__ import annotations

import pytest

from audit.identity import Printed, office_id, office_key, parse_overrides, region_code, strip_region
from govreports.errors import ConfigError
from govreports.model import Region

HONGZE = Region(province="江苏省", city="淮安市", county="洪泽区")


PRINTED_HONGZE = (
    "淮安市洪泽区人民政府",
    "洪泽区人民政府",
    "江苏省淮安市洪泽区人民政府",
    "江苏淮安洪泽区人民政府",
    "洪泽区 人民政府",
)


@pytest.mark.parametrize("name", PRINTED_HONGZE)
def test_the_region_prefix_is_removed_when_it_repeats_the_region(name: str) -> None:
    assert office_id(Printed(name, HONGZE, "huaian")) == office_id(Printed("洪泽区人民政府", HONGZE, "other"))


def test_a_prefix_stopping_above_the_finest_level_stays() -> None:
    assert strip_region("淮安市财政局", HONGZE) == "淮安市财政局"
    assert office_id(Printed("淮安市财政局", HONGZE)) != office_id(Printed("洪泽区财政局", HONGZE))


def test_the_name_of_the_region_alone_is_kept() -> None:
    assert strip_region("洪泽区", HONGZE) == "洪泽区"


@pytest.mark.parametrize(
    ("region", "code"),
    [
        (HONGZE, "320813"),
        (Region(county="洪泽区"), "320813"),  # one 洪泽区 in China
        (Region(county="白云区"), None),  # 广州市 and 贵阳市
        (Region(province="广东省", county="白云区"), "440111"),
        (Region(province="北京市", city="北京市", county="朝阳区"), "110105"),
        (Region(province="北京市", city="北京市"), "110000"),
        (Region(province="湖北省", county="仙桃市"), "429004"),
        (Region(province="河北省", county="雄安新区"), "zone:河北省:雄安新区"),
        (Region(province="江苏省", city="淮安市"), "320800"),
        (Region(), None),
    ],
)
def test_region_code(region: Region, code: str | None) -> None:
    assert region_code(region) == code


def test_a_bare_name_is_never_merged_across_portals() -> None:
    first = office_id(Printed("财政局", Region(), "portal-a"))
    assert first != office_id(Printed("财政局", Region(), "portal-b"))
    assert first == office_id(Printed("财政局", Region(), "portal-a", year=2020))


def test_an_uncertain_region_keeps_names_apart_across_portals() -> None:
    region = Region(county="白云区")
    guangzhou, guiyang = Printed("白云区财政局", region, "gz"), Printed("白云区财政局", region, "gy")
    assert office_id(guangzhou) != office_id(guiyang)


def test_local_files_of_one_folder_are_one_portal() -> None:
    first = Printed("财政局", Region(), source_url="file:///data/a/2020.txt")
    assert office_id(first) == office_id(Printed("财政局", Region(), source_url="file:///data/a/2021.txt"))
    assert office_id(first) != office_id(Printed("财政局", Region(), source_url="file:///data/b/2021.txt"))


def test_the_id_is_40_hex_digits_and_none_without_an_office() -> None:
    identity = office_id(Printed("洪泽区人民政府", HONGZE))
    assert identity is not None and len(identity) == 40 and int(identity, 16) >= 0
    assert office_id(Printed(None, HONGZE)) is None


def test_offices_toml_merges_names() -> None:
    rules = parse_overrides(
        """
        [[office]]
        key = "洪泽区人民政府"
        names = ["洪泽区人民政府", "洪泽区政府"]
        """
    )
    short, full = Printed("洪泽区政府", HONGZE), Printed("淮安市洪泽区人民政府", HONGZE)
    assert office_id(short, rules) == office_id(full, rules)
    assert office_id(short) != office_id(full)


def test_offices_toml_splits_a_name_by_portal_and_years() -> None:
    rules = parse_overrides(
        """
        [[office]]
        key = "老财政局"
        names = ["财政局"]
        years = [2019, 2020]
        source_site = "a"
        """
    )
    before = office_key(Printed("财政局", Region(), "a", year=2020), rules)
    after = office_key(Printed("财政局", Region(), "a", year=2021), rules)
    assert before == "site:a|//|老财政局"
    assert after == "site:a|//|财政局"


@pytest.mark.parametrize(
    "text",
    [
        "[[office]]\nnames = ['x']",
        "[[office]]\nkey = 'x'\nnames = 'x'",
        "[[office]]\nkey = 'x'\nyears = ['2020']",
        "[[office]]\nkey = 'x'\ncolour = 'red'",
        "[[office]\n",
    ],
)
def test_a_malformed_offices_file_is_one_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_overrides(text)
