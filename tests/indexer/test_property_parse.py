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

import random
from collections import Counter
from dataclasses import dataclass

import pytest
from synthetic_truth import differences

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
