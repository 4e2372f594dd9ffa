"""Real-layout fixtures (`tests/files/real/`): documents written to follow how real reports deviate.

Each fixture is a document (`<name>.txt|html|pdf|docx`) and `<name>.json`: the expected values
in the format of `shared/spec/expected/` (only the keys given are compared; `office_contains`
is a substring of the office; strings compare without whitespace; floats within 0.01), and an
optional `"warnings"` list of warning codes the parse must leave. Every fixture is named after
the pattern of issue 14 it shows (`p1_…` to `p9_…`), and every pattern has at least one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from expected_values import mismatches

from indexer.documents import parse_file

REAL = Path(__file__).parents[1] / "files" / "real"
EXPECTED = sorted(REAL.glob("*.json"))
PATTERNS = range(1, 10)


def _document(expected: Path) -> Path:
    documents = [path for path in REAL.glob(f"{expected.stem}.*") if path.suffix != ".json"]
    assert len(documents) == 1, f"{expected.name}: expected one document beside it, found {documents}"
    return documents[0]


def test_every_pattern_has_a_fixture() -> None:
    covered = {int(path.name[1]) for path in EXPECTED if path.name[:1] == "p" and path.name[1].isdigit()}
    assert covered >= set(PATTERNS), f"patterns without a fixture: {sorted(set(PATTERNS) - covered)}"


@pytest.mark.parametrize("expected", EXPECTED, ids=[path.stem for path in EXPECTED])
def test_fixture_parses_to_its_expected_values(expected: Path) -> None:
    report = parse_file(_document(expected)).model_dump(mode="json")
    problems = mismatches(json.loads(expected.read_text(encoding="utf-8")), report)
    assert not problems, "\n".join(problems)
