"""`govreports crawl` as a user runs it: the installed command, in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from crawler.portals import PortalServer, build_portals

GOVREPORTS = Path(sys.executable).parent / "govreports"


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GOVREPORTS_")}
    return subprocess.run([str(GOVREPORTS), "crawl", *args], capture_output=True, text=True, timeout=300,
                          env={**clean, **env}, check=False)


def test_crawl_prints_pages_reports_and_time(tmp_path: Path) -> None:
    with PortalServer([build_portals(3, reports=3)[2]]) as server:
        home = server.portal("query").home_url
        result = run("--start-url", home, "--out", str(tmp_path / "out"), "--no-polite",
                     env={"GOVREPORTS_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"pages fetched: \d+ in \d+\.\d s", lines[0])
    assert lines[1] == "reports: 3 new, 0 revised, 0 unchanged, 1 failed"
    assert any(line.endswith(": HTTP 404") for line in lines)
    (written,) = (tmp_path / "out").glob("127.0.0.1-*.jsonl")  # named after the portal's host and port
    assert len(written.read_text(encoding="utf-8").splitlines()) == 3


Invoke = Callable[..., tuple[int, str, str]]  # the govreports_here fixture (tests/conftest.py)


@pytest.fixture
def cli_here(govreports_here: Invoke) -> Invoke:
    """`govreports crawl ARGS` through the real entry point, in this process: (exit code, stdout, stderr)."""
    return partial(govreports_here, "crawl")


@pytest.fixture
def cli(cli_here: Invoke) -> Callable[..., str]:
    """The one error line of a `govreports crawl` that must stop before crawling."""

    def error_line(*args: str, sites: Path | None = None) -> str:
        code, _, err = cli_here(*args, sites=sites)
        assert code == 1
        assert "Traceback" not in err
        (line,) = err.strip().splitlines()
        return line

    return error_line


def test_a_configured_site_is_crawled_by_name(cli_here: Invoke, tmp_path: Path) -> None:
    with PortalServer([build_portals(3, reports=2)[3]]) as server:
        portal = server.portal("gbk")
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[[site]]\nname = "old-portal"\nlevel = "county"\nstart_urls = ["{portal.home_url}"]\n'
            f'region = {{ province = "{portal.region.province}" }}\n',
            encoding="utf-8",
        )
        code, out, _ = cli_here("--site", "old-portal", "--out", str(tmp_path / "out"), "--no-polite",
                                sites=sites)
    assert code == 0
    assert "reports: 2 new, 0 revised, 0 unchanged, 1 failed" in out.splitlines()
    assert len((tmp_path / "out" / "old-portal.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_without_a_sites_file_naming_a_site_is_one_line_error(cli: Callable[..., str]) -> None:
    assert cli("--site", "anything") == (
        "error: no sites file: set GOVREPORTS_SITES (see sites.example.toml) or give --start-url"
    )


def test_a_bad_sites_file_names_the_site_and_field(cli: Callable[..., str], tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "x"\nstart_urls = ["http://x.gov.cn/"]\nlevel = "planet"\n')
    assert cli(sites=sites).startswith(f"error: {sites}: site 'x': field 'level':")


def test_an_unknown_site_and_a_bad_url_are_one_line_errors(cli: Callable[..., str], tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "x"\nstart_urls = ["http://x.gov.cn/"]\n')
    assert cli("--site", "y", sites=sites) == "error: unknown site 'y' (configured: x)"
    assert "is not an http(s) URL" in cli("--start-url", "x.gov.cn", sites=sites)
    assert cli("--site", "x", "--start-url", "http://x.gov.cn/", sites=sites) == (
        "error: give --site NAME or --start-url URL, not both"
    )
