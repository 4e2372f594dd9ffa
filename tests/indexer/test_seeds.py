"""The five seed reports against `shared/spec/expected/`, compared the way check_seeds.py does.

Only the keys the expected JSON gives are compared; floats within 0.01, strings
whitespace-insensitively, `office_contains` as a substring of the office.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from expected_values import mismatches

from indexer.documents import parse_file

SHARED = Path(__file__).parents[2].parent / "shared"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


def test_all_five_seeds_are_present() -> None:
    assert len(SEEDS) == 5, f"expected the five seeds under {SHARED / 'seeds'}"


@pytest.mark.parametrize("seed", SEEDS, ids=[path.stem for path in SEEDS])
def test_seed_matches_expected(seed: Path) -> None:
    expected = json.loads((SHARED / "spec" / "expected" / f"{seed.stem}.json").read_text(encoding="utf-8"))
    got = parse_file(seed).model_dump(mode="json")
    wrong = mismatches(expected, got)
    assert not wrong, "\n".join(wrong)
