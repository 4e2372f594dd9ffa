"""Acceptance: every generated report, in every layout and file type, parses back to its truth.

A report of either template is generated with known numbers (some cells blank,
sometimes one consistency rule broken on purpose), rendered, and parsed with
`parse_bytes`. The parse must return exactly the rendered numbers, null where a
cell was blank, and the same rule outcomes — `consistent: false` with the broken
rule failing exactly when one was broken. Over 500 documents a run; seeded.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govreports.model import Report
from indexer.documents import parse_bytes
from indexer.synthetic import FORMATS, RULES, Rule, SyntheticReport, random_report, render


@dataclass(frozen=True)
class Case:
    seed: int
    template: str
    break_rule: Rule | None
    blank_cells: int

    def report(self) -> SyntheticReport:
        return random_report(
            random.Random(self.seed),
            template="2019" if self.template == "2019" else "2021",
            break_rule=self.break_rule,
            blank_cells=self.blank_cells,
        )


cases = st.builds(
    Case,
    seed=st.integers(0, 2**32 - 1),
    template=st.sampled_from(["2019", "2021"]),
    break_rule=st.sampled_from([None, None, *RULES]),
    blank_cells=st.sampled_from([0, 0, 1, 3]),
)

# Documents per layout: text layouts are cheap, PDF and DOCX cost ~0.2 s each to make and read.
EXAMPLES = {
    "cell_per_line": 100,
    "tab_rows": 100,
    "pipes": 80,
    "html": 80,
    "html_gbk": 40,
    "docx": 60,
    "pdf": 60,
}
assert sum(EXAMPLES.values()) >= 500 and set(EXAMPLES) == set(FORMATS)


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Nested model dumps as {dotted.path: leaf}, so a mismatch names its cell."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else key))
        return out
    return {path: value}


def differences(parsed: Report, truth: Report) -> list[str]:
    found: list[str] = []
    for part in ("active", "applications", "appeals"):
        got = flatten(getattr(parsed, part).model_dump() if getattr(parsed, part) else {}, part)
        want = flatten(getattr(truth, part).model_dump(), part)
        for key in sorted(set(got) | set(want)):
            a, b = got.get(key), want.get(key)
            same = a == b or (
                isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9)
            )
            if not same:
                found.append(f"{key}: parsed {a!r}, rendered {b!r}")
    rules = {check.rule: check.passed for check in parsed.checks}
    expected = {check.rule: check.passed for check in truth.checks}
    if rules != expected:
        found.append(f"checks: parsed {rules}, expected {expected}")
    if parsed.consistent != truth.consistent:
        found.append(f"consistent: parsed {parsed.consistent}, expected {truth.consistent}")
    for key in ("template", "year"):
        if getattr(parsed, key) != getattr(truth, key):
            found.append(f"{key}: parsed {getattr(parsed, key)!r}, expected {getattr(truth, key)!r}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("layout", list(EXAMPLES))
def test_parse_returns_the_rendered_report(layout: str) -> None:
    @settings(
        max_examples=EXAMPLES[layout],
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=cases)
    def check(case: Case) -> None:
        synthetic = case.report()
        if case.break_rule is not None:
            failing = {c.rule for c in synthetic.truth.checks if c.passed is False}
            assert failing == {case.break_rule}, "the generator must break exactly the named rule"
        parsed = parse_bytes(render(synthetic, layout), format=FORMATS[layout])  # type: ignore[arg-type]
        problems = differences(parsed, synthetic.truth)
        assert not problems, f"{case} as {layout}:\n" + "\n".join(problems[:15])

    check()


def test_a_wrong_cell_is_reported() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    parsed = parse_bytes(render(synthetic, "tab_rows"), format="txt")
    assert differences(parsed, synthetic.truth) == []
    dump = parsed.model_dump()
    dump["applications"]["received"]["natural_person"] += 1
    found = differences(Report.model_validate(dump), synthetic.truth)
    assert found[0].startswith("applications.received.natural_person: parsed")
    assert any(line.startswith("checks:") for line in found)
