"""The five seed reports against `shared/spec/expected/`, compared the way check_seeds.py does.

Only the keys the expected JSON gives are compared; floats within 0.01, strings
whitespace-insensitively, `office_contains` as a substring of the office.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.documents import parse_file

SHARED = Path(__file__).parents[1].parent / "shared"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


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


def test_all_five_seeds_are_present() -> None:
    assert len(SEEDS) == 5, f"expected the five seeds under {SHARED / 'seeds'}"


@pytest.mark.parametrize("seed", SEEDS, ids=[path.stem for path in SEEDS])
def test_seed_matches_expected(seed: Path) -> None:
    expected = json.loads((SHARED / "spec" / "expected" / f"{seed.stem}.json").read_text(encoding="utf-8"))
    got = parse_file(seed).model_dump(mode="json")
    wrong = []
    for key, want in _flatten(expected):
        if key == "office_contains":
            if want not in "".join((got["office"] or "").split()):
                wrong.append(f"office: want it to contain {want!r}, got {got['office']!r}")
            continue
        have = _lookup(got, key)
        if not _same(want, have):
            wrong.append(f"{key}: want {want!r}, got {have!r}")
    assert not wrong, "\n".join(wrong)
