"""The sites file: validated on load, errors naming the site and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.sites import Site, load_sites, select_sites, site_for_start_url
from govreports.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "sites.example.toml"
A = '[[site]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n'  # a valid site, to add a mistake to


def write(tmp_path: Path, text: str, name: str = "sites.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_documented_example_loads(tmp_path: Path) -> None:
    sites = load_sites(Path(shutil.copy(EXAMPLE, tmp_path / "sites.toml")))
    assert [site.name for site in sites] == ["xialu", "yiwu", "km-rsj", "newtown"]
    assert sites[0].region.county == "下陆区"
    assert sites[1].domains() == ["yw.gov.cn"]
    assert sites[3].expect_empty


def test_yaml_works_too(tmp_path: Path) -> None:
    path = write(tmp_path, "site:\n  - name: a\n    start_urls: ['http://www.a.gov.cn/']\n", "sites.yaml")
    (site,) = load_sites(path)
    assert site.name == "a"
    assert site.domains() == ["a.gov.cn"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[site]]\nname = "a"\nstart_urls = ["ftp://a.gov.cn/"]\n', "site 'a': field 'start_urls.0'"),
        ('[[site]]\nname = "a"\nstart_urls = []\n', "site 'a': field 'start_urls'"),
        ('[[site]]\nname = "a"\n', "site 'a': field 'start_urls'"),
        (f'{A}level = "village"\n', "site 'a': field 'level'"),
        ('[[site]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\ntitle_pattern = "(("\n',
         "site 'a': field 'title_pattern'"),
        (f'{A}start_url = "x"\n', "site 'a': field 'start_url'"),
        ('[[site]]\nname = "has space"\nstart_urls = ["http://a.gov.cn/"]\n',
         "site 'has space': field 'name'"),
        ('[[site]]\nstart_urls = ["http://a.gov.cn/"]\n', "site #1: field 'name'"),
        ('[[site]]\nname = "a"\nstart_urls = ["http://a.gov.cn/"]\n[[site]]\nname = "a"\n'
         'start_urls = ["http://b.gov.cn/"]\n', "'a' is used more than once"),
        ("site = 3\n", "'site' must be a list"),
        ("[[site]\n", "sites.toml:"),
    ],
)
def test_a_bad_site_is_named_with_its_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"sites\.toml") as error:
        load_sites(write(tmp_path, text))
    assert message in str(error.value)


def test_missing_and_unknown_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read sites file"):
        load_sites(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match=r"must end in \.toml"):
        load_sites(write(tmp_path, "", "sites.ini"))


def test_selecting_sites_by_name() -> None:
    sites = [Site(name=name, start_urls=[f"http://{name}.gov.cn/"]) for name in ("a", "b", "c")]
    assert [site.name for site in select_sites(sites, ["c", "a"])] == ["c", "a"]
    with pytest.raises(ConfigError, match="unknown site 'z' \\(configured: a, b, c\\)"):
        select_sites(sites, ["a", "z"])


def test_a_start_url_alone_makes_a_site_named_after_its_host() -> None:
    site = site_for_start_url("http://127.0.0.1:8123/zfxxgk/")
    assert (site.name, site.start_urls, site.domains()) == ("127.0.0.1-8123", ["http://127.0.0.1:8123/zfxxgk/"],
                                                            ["127.0.0.1"])
    with pytest.raises(ConfigError, match="--start-url"):
        site_for_start_url("www.example.gov.cn")
