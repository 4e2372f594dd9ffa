"""Real-layout fixtures (`tests/files/real/`): documents written to follow how real reports deviate.

Each fixture is a document (`<name>.txt|html|pdf|docx`) and `<name>.json`: the expected values
in the format of `shared/spec/expected/` (only the keys given are compared; `office_contains`
is a substring of the office; strings compare without whitespace; floats within 0.01), and an
optional `"warnings"` list of warning codes the parse must leave. Every fixture is named after
the pattern of issue 14 it shows (`p1_…` to `p9_…`), and every pattern has at least one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.documents import parse_file

REAL = Path(__file__).parents[1] / "files" / "real"
EXPECTED = sorted(REAL.glob("*.json"))
PATTERNS = range(1, 10)


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return "<absent>"
        obj = obj[part]
    return obj


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        number = isinstance(got, int | float) and not isinstance(got, bool)
        return number and want is not None and abs(want - got) < 0.01
    if isinstance(want, str) and isinstance(got, str):
        return "".join(want.split()) == "".join(got.split())
    return bool(want == got and type(want) is type(got))


def _document(expected: Path) -> Path:
    documents = [path for path in REAL.glob(f"{expected.stem}.*") if path.suffix != ".json"]
    assert len(documents) == 1, f"{expected.name}: expected one document beside it, found {documents}"
    return documents[0]


def mismatches(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    found: list[str] = []
    wanted_codes = expected.pop("warnings", [])
    for key, want in _flatten(expected):
        if key == "office_contains":
            office = "".join((got.get("office") or "").split())
            if want not in office:
                found.append(f"office: wanted it to contain {want!r}, got {got.get('office')!r}")
            continue
        have = _lookup(got, key)
        if not _same(want, have):
            found.append(f"{key}: wanted {want!r}, got {have!r}")
    codes = {warning["code"] for warning in got["warnings"]}
    found += [f"warnings: no {code!r} among {sorted(codes)}" for code in wanted_codes if code not in codes]
    return found


def test_every_pattern_has_a_fixture() -> None:
    covered = {int(path.name[1]) for path in EXPECTED if path.name[:1] == "p" and path.name[1].isdigit()}
    assert covered >= set(PATTERNS), f"patterns without a fixture: {sorted(set(PATTERNS) - covered)}"


@pytest.mark.parametrize("expected", EXPECTED, ids=[path.stem for path in EXPECTED])
def test_fixture_parses_to_its_expected_values(expected: Path) -> None:
    report = parse_file(_document(expected)).model_dump(mode="json")
    problems = mismatches(json.loads(expected.read_text(encoding="utf-8")), report)
    assert not problems, "\n".join(problems)
