"""`govreports parse`: one JSON object per file per line; a failed file named on stderr, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from govreports.cli import app

SEED = Path(__file__).parents[2].parent / "shared" / "seeds" / "001_a15c5311e6238bad.txt"


def test_good_and_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.txt"
    bad.write_bytes(b"\x00\xff" * 500)
    missing = tmp_path / "missing.txt"
    result = CliRunner().invoke(app, ["parse", str(bad), str(SEED), str(missing)])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    report = json.loads(line)
    assert report["source_url"] == SEED.resolve().as_uri()
    assert report["title"] == "无瑕街道2020年政府信息公开工作年度报告"
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert str(bad) in errors[0] and str(missing) in errors[1]
    assert "Traceback" not in result.stderr


def test_pretty_output_and_success(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["parse", "--pretty", str(SEED)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("{\n")
    assert json.loads(result.stdout)["year"] == 2020
