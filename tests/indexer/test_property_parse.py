"""Acceptance: every generated report, in every layout and with every real-world quirk, parses
back to what a careful reader of the printed document knows.

A report of either template is generated with known numbers (some cells blank,
sometimes one consistency rule broken on purpose), rendered, and parsed with
`parse_bytes`. Documents come in three kinds per layout, all seeded:

- plain (no quirk): the parse returns exactly the rendered numbers, null where a
  cell was blank, the same rule outcomes, template and identity;
- one quirk of `indexer.synthetic.realism` (the test id names it), or
- every quirk enabled, each drawn for a minority of documents ("mixed").

With quirks, each cell must be EXACT, or NULL with a warning that names it (the
warning detail's dotted path before its first ':' is a prefix of the cell's path);
never a different number. Title (the body's or the page heading), office, year
and template exact; each region part exact, or null with a warning naming
`region`. Rule outcomes are compared where no cell was nulled.

Run one quirk across its layouts: `pytest tests/indexer/test_property_parse.py -k page_breaks`
(or one layout: `-k "pdf-page_breaks"`).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from govreports.model import ParseWarning, Report
from indexer.documents import parse_bytes
from indexer.synthetic import FORMATS, RULES, Rule, SyntheticReport, random_report, render
from indexer.synthetic.realism import APPLIES, OPTIONS, Realism

# Plain documents per layout: as many as the 500-document test this one grew from.
PLAIN = {
    "cell_per_line": 100,
    "tab_rows": 100,
    "pipes": 80,
    "html": 80,
    "html_gbk": 40,
    "docx": 60,
    "pdf": 60,
}
# Documents per (layout, quirk) and per layout with every quirk enabled ("mixed").
WITH_QUIRKS = {
    "cell_per_line": 40,
    "tab_rows": 40,
    "pipes": 40,
    "html": 60,
    "html_gbk": 30,
    "docx": 30,
    "pdf": 40,
}
MIXED = "mixed"
PLAIN_KIND = "plain"
# Each quirk must be shown by at least this many documents over all layouts.
MIN_PER_QUIRK = 100
assert set(PLAIN) == set(WITH_QUIRKS) == set(FORMATS)


@dataclass(frozen=True)
class Case:
    seed: int
    template: str
    break_rule: Rule | None
    blank_cells: int
    realism: Realism

    def report(self) -> SyntheticReport:
        return random_report(
            random.Random(self.seed),
            template="2019" if self.template == "2019" else "2021",
            break_rule=self.break_rule,
            blank_cells=self.blank_cells,
            realism=self.realism,
        )

    def __str__(self) -> str:
        options = ", ".join(repr(o) for o in self.realism.enabled())
        realism = f"Realism.only({options}, rate={self.realism.rate})" if options else "Realism.NONE"
        return (
            f"random_report(random.Random({self.seed}), template={self.template!r}, "
            f"break_rule={self.break_rule!r}, blank_cells={self.blank_cells}, realism={realism})"
        )


def kinds(layout: str) -> list[str]:
    return [PLAIN_KIND, *(option for option in OPTIONS if layout in APPLIES[option]), MIXED]


def cases(layout: str, kind: str) -> list[Case]:
    realism = {PLAIN_KIND: Realism.NONE, MIXED: Realism.ALL}.get(kind) or Realism.only(kind)
    count = PLAIN[layout] if kind == PLAIN_KIND else WITH_QUIRKS[layout]
    rng = random.Random(f"{layout}:{kind}")
    out = []
    for _ in range(count):
        template = "2021" if kind == "fee_header_row" else rng.choice(["2019", "2021"])
        break_rule = rng.choice([None, None, *RULES])
        out.append(Case(rng.getrandbits(32), template, break_rule, rng.choice([0, 0, 1, 3]), realism))
    return out


# --- comparing ----------------------------------------------------------------------------------


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Nested model dumps as {dotted.path: leaf}, so a mismatch names its cell."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else key))
        return out
    return {path: value}


def cells(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("active", "applications", "appeals"):
        table = getattr(report, part)
        out.update(flatten(table.model_dump() if table else {}, part))
    return out


_PATH = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*")


def named_paths(warnings: list[ParseWarning]) -> list[tuple[str, ...]]:
    """The dotted path each warning names: its detail up to the first ':'."""
    out = []
    for warning in warnings:
        head = warning.detail.split(":", 1)[0].strip()
        if ":" in warning.detail and _PATH.fullmatch(head):
            out.append(tuple(head.split(".")))
    return out


def is_named(path: str, named: list[tuple[str, ...]]) -> bool:
    parts = tuple(path.split("."))
    return any(parts[: len(prefix)] == prefix for prefix in named)


def _same(a: Any, b: Any) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9))


def differences(parsed: Report, synthetic: SyntheticReport, *, strict: bool) -> list[str]:
    """What the parse got wrong. `strict`: every cell exact; else a cell may be null when a
    warning names it (a quirk may make a cell unreadable, never make it another number)."""
    truth = synthetic.truth
    named = named_paths(parsed.warnings)
    got, want = cells(parsed), cells(truth)
    found: list[str] = []
    nulled = False
    for key in sorted(set(got) | set(want)):
        a, b = got.get(key), want.get(key)
        if _same(a, b):
            continue
        nulled = nulled or a is None
        if a is None and not strict and is_named(key, named):
            continue
        reason = "null, no warning names it" if a is None and not strict else f"parsed {a!r}"
        found.append(f"{key}: {reason}, rendered {b!r}")
    if not nulled:  # a nulled cell legitimately makes its rules null
        rules = {check.rule: check.passed for check in parsed.checks}
        expected = {check.rule: check.passed for check in truth.checks}
        if rules != expected:
            found.append(f"checks: parsed {rules}, expected {expected}")
        if parsed.consistent != truth.consistent:
            found.append(f"consistent: parsed {parsed.consistent}, expected {truth.consistent}")
    return found + identity_differences(parsed, synthetic)


def identity_differences(parsed: Report, synthetic: SyntheticReport) -> list[str]:
    truth = synthetic.truth
    found = [
        f"{key}: parsed {getattr(parsed, key)!r}, expected {getattr(truth, key)!r}"
        for key in ("template", "year", "office")
        if getattr(parsed, key) != getattr(truth, key)
    ]
    if parsed.title not in synthetic.titles:
        found.append(f"title: parsed {parsed.title!r}, expected one of {synthetic.titles}")
    certain = synthetic.certain_region
    named = named_paths(parsed.warnings)
    for part in ("province", "city", "county"):
        a, b = getattr(parsed.region, part), getattr(certain, part)
        if a != b and not (a is None and is_named(f"region.{part}", named)):
            found.append(
                f"region.{part}: parsed {a!r}, expected {b!r}" + (" (no warning)" if a is None else "")
            )
    return found


def shown(synthetic: SyntheticReport, layout: str) -> set[str]:
    """The quirks this document's bytes in `layout` actually show."""
    return {option for option in synthetic.quirks.options if layout in APPLIES[option]}


# --- the test -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "kind"), [(layout, kind) for layout in PLAIN for kind in kinds(layout)])
def test_parse_returns_what_the_document_shows(layout: str, kind: str) -> None:
    failures: list[str] = []
    drawn: Counter[str] = Counter()
    documents = cases(layout, kind)
    for case in documents:
        synthetic = case.report()
        if case.break_rule is not None:
            failing = {c.rule for c in synthetic.truth.checks if c.passed is False}
            assert failing == {case.break_rule}, "the generator must break exactly the named rule"
        quirks = shown(synthetic, layout)
        drawn.update(quirks)
        parsed = parse_bytes(render(synthetic, layout), format=FORMATS[layout])  # type: ignore[arg-type]
        problems = differences(parsed, synthetic, strict=kind == PLAIN_KIND)
        if problems:
            failures.append(
                f"render({case}, {layout!r}) showing {sorted(quirks)}:\n  " + "\n  ".join(problems[:12])
            )
    if kind == MIXED:
        expected = {option for option in OPTIONS if layout in APPLIES[option]}
        assert all(drawn[option] >= 3 for option in expected), f"too few documents show a quirk: {drawn}"
    elif kind != PLAIN_KIND:
        assert drawn[kind] == len(documents), f"only {drawn[kind]} of {len(documents)} documents show {kind}"
    assert not failures, f"{len(failures)} of {len(documents)} documents differ:\n" + "\n".join(failures[:3])


def test_every_quirk_is_shown_by_enough_documents() -> None:
    """Over all layouts, each quirk is in at least MIN_PER_QUIRK of the documents the test parses."""
    counts: Counter[str] = Counter()
    total = 0
    for layout in PLAIN:
        for kind in kinds(layout):
            for case in cases(layout, kind):
                counts.update(shown(case.report(), layout))
                total += 1
    assert total >= 1000
    assert {option: counts[option] for option in OPTIONS if counts[option] < MIN_PER_QUIRK} == {}


def test_a_wrong_cell_is_reported() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    parsed = parse_bytes(render(synthetic, "tab_rows"), format="txt")
    assert differences(parsed, synthetic, strict=True) == []
    dump = parsed.model_dump()
    dump["applications"]["received"]["natural_person"] += 1
    found = differences(Report.model_validate(dump), synthetic, strict=True)
    assert found[0].startswith("applications.received.natural_person: parsed")
    assert any(line.startswith("checks:") for line in found)


def test_a_null_cell_passes_only_when_a_warning_names_it() -> None:
    synthetic = random_report(random.Random(1), template="2019")
    parsed = parse_bytes(render(synthetic, "tab_rows"), format="txt")
    dump = parsed.model_dump()
    dump["applications"]["granted"]["natural_person"] = None
    nulled = Report.model_validate(dump)
    assert differences(nulled, synthetic, strict=False) == [
        "applications.granted.natural_person: null, no warning names it, "
        f"rendered {synthetic.truth.applications.granted.natural_person!r}"  # type: ignore[union-attr]
    ]
    for detail in (
        "applications.granted: 6 values for 7 columns",
        "applications: table cut",
        "applications.granted.natural_person: '—'",
    ):
        warned = nulled.model_copy(update={"warnings": [ParseWarning(code="short_row", detail=detail)]})
        assert differences(warned, synthetic, strict=False) == [], detail
        assert differences(warned, synthetic, strict=True) != [], "plain documents allow no null"
    for detail in (
        "applications.granted_total: x",
        "appeals: 14 values",
        "granted: no path",
        "no colon here",
    ):
        warned = nulled.model_copy(update={"warnings": [ParseWarning(code="short_row", detail=detail)]})
        assert differences(warned, synthetic, strict=False) != [], detail


def test_another_number_never_passes() -> None:
    synthetic = random_report(random.Random(2), template="2021", realism=Realism.only("misprints"))
    parsed = parse_bytes(render(synthetic, "html"), format="html")
    dump = parsed.model_dump()
    dump["appeals"]["review"]["total"] = 999
    warned = Report.model_validate(dump).model_copy(
        update={"warnings": [ParseWarning(code="x", detail="appeals.review.total: guessed")]}
    )
    assert any(
        line.startswith("appeals.review.total: parsed 999")
        for line in differences(warned, synthetic, strict=False)
    )
