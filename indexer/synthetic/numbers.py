"""Random table numbers that satisfy the four consistency rules, or break one on purpose.

Tables are plain dicts here (row -> column -> value) so a rule can be broken and
cells blanked by simple assignment; `report.py` turns them into the model.
"""

from __future__ import annotations

import random
from typing import Literal

from govreports.keys import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    APPLICATION_COLUMNS,
    OTHER_SUB_ROWS,
)

Rule = Literal["balance", "handled_sum", "row_sum", "appeals_sum"]
RULES: tuple[Rule, ...] = ("balance", "handled_sum", "row_sum", "appeals_sum")

Number = int | float | None
Table = dict[str, dict[str, Number]]
# A cell that can be blanked: (table name, row, column).
CellRef = tuple[str, str, str]

# How often each result is chosen for one handled application: most are granted.
_RESULT_WEIGHTS: dict[str, int] = {
    "granted": 40,
    "partially_granted": 8,
    "withheld_state_secret": 1,
    "withheld_prohibited_by_law": 1,
    "withheld_three_safety": 1,
    "withheld_third_party": 2,
    "withheld_internal_affairs": 2,
    "withheld_process_info": 3,
    "withheld_enforcement_files": 1,
    "withheld_administrative_query": 2,
    "unavailable_not_held": 12,
    "unavailable_needs_creation": 4,
    "unavailable_unclear": 2,
    "rejected_petition": 3,
    "rejected_repeat": 2,
    "rejected_publication": 1,
    "rejected_excessive": 1,
    "rejected_confirmation": 1,
    "other": 3,
}
# Share of applications per applicant type: natural persons dominate.
_APPLICANT_WEIGHTS: dict[str, int] = {
    "natural_person": 80,
    "commercial": 12,
    "research": 1,
    "social_welfare": 1,
    "legal_services": 4,
    "other_org": 2,
}


def _volume(rng: random.Random, *, at_least_one: bool) -> int:
    """Applications received in a year: many small offices get none, a few get hundreds."""
    roll = rng.random()
    if roll < 0.3 and not at_least_one:
        return 0
    if roll < 0.85:
        return rng.randint(1, 30)
    return rng.randint(31, 800)


def _split(rng: random.Random, count: int, weights: dict[str, int]) -> dict[str, int]:
    keys = list(weights)
    shares = dict.fromkeys(keys, 0)
    for key in rng.choices(keys, weights=list(weights.values()), k=count):
        shares[key] += 1
    return shares


def applications(rng: random.Random, *, sub_rows: bool, at_least_one: bool) -> Table:
    """The section 三 matrix; with `sub_rows` （六） is split into its three 2021 sub-rows."""
    received = _split(rng, _volume(rng, at_least_one=at_least_one), _APPLICANT_WEIGHTS)
    if at_least_one and received["natural_person"] == 0:
        received["natural_person"] = 1
    table: Table = {}
    for column in APPLICANT_COLUMNS:
        carried_over = rng.choice((0, 0, 0, 1, 2)) if received[column] else 0
        incoming = received[column] + carried_over
        carried_forward = rng.randint(0, incoming // 5) if incoming else 0
        results = _split(rng, incoming - carried_forward, _RESULT_WEIGHTS)
        cells: dict[str, int] = {
            "received": received[column],
            "carried_over": carried_over,
            **results,
            "handled_total": incoming - carried_forward,
            "carried_forward": carried_forward,
        }
        if sub_rows:
            sub = _split(rng, results["other"], dict.fromkeys(OTHER_SUB_ROWS, 1))
            cells.update(sub)
        for row, value in cells.items():
            table.setdefault(row, {})[column] = value
    for values in table.values():
        values["total"] = sum(int(values[column] or 0) for column in APPLICANT_COLUMNS)
    return table


def appeals(rng: random.Random) -> Table:
    table: Table = {}
    for group in APPEAL_GROUPS:
        busy = rng.random() < 0.3
        outcome = {result: (rng.randint(0, 4) if busy else 0) for result in ("upheld", "corrected", "other")}
        outcome["pending"] = rng.randint(0, 2) if busy else 0
        table[group] = {**outcome, "total": sum(outcome.values())}
    return table


def break_rule(rng: random.Random, rule: Rule, apps: Table, appeals_table: Table) -> set[CellRef]:
    """Change numbers so exactly `rule` fails; returns cells that must stay printed for it to show.

    Each change keeps the other rules true: e.g. moving applications between
    two rows of one column keeps the column's balance but breaks the row sums.
    """
    delta = rng.randint(1, 9)
    if rule == "appeals_sum":
        group = rng.choice(APPEAL_GROUPS)
        appeals_table[group]["total"] = int(appeals_table[group]["total"] or 0) + delta
        return {("appeals", group, column) for column in APPEAL_COLUMNS}
    if rule == "row_sum":
        # Needs received.total > 0 (random_report guarantees one application).
        shift = min(delta, int(apps["received"]["total"] or 0))
        apps["received"]["total"] = int(apps["received"]["total"] or 0) - shift
        apps["carried_over"]["total"] = int(apps["carried_over"]["total"] or 0) + shift
        return {
            ("applications", row, column)
            for row in ("received", "carried_over")
            for column in APPLICATION_COLUMNS
        }
    column = rng.choice([c for c in APPLICANT_COLUMNS if apps["received"][c]])
    if rule == "balance":
        for key in (column, "total"):
            apps["received"][key] = int(apps["received"][key] or 0) + delta
    else:
        # handled_sum: move applications between （七）总计 and 四、结转, leaving the results alone.
        forward = int(apps["carried_forward"][column] or 0)
        shift = min(delta, forward) if forward else -min(delta, int(apps["handled_total"][column] or 0))
        for key in (column, "total"):
            apps["handled_total"][key] = int(apps["handled_total"][key] or 0) + shift
            apps["carried_forward"][key] = int(apps["carried_forward"][key] or 0) - shift
    return {("applications", row, c) for row in apps for c in (column, "total")}


def blank(
    rng: random.Random, candidates: list[CellRef], count: int, tables: dict[str, Table]
) -> list[CellRef]:
    """Blank `count` random cells among `candidates` (→ null); returns the blanked cells."""
    chosen = rng.sample(candidates, min(count, len(candidates)))
    for name, row, column in chosen:
        tables[name][row][column] = None
    return chosen


def resolve_other(apps: Table) -> None:
    """（六） printed as three sub-rows: `other` is their sum, null when one is null."""
    for column in APPLICATION_COLUMNS:
        parts = [apps[row][column] for row in OTHER_SUB_ROWS]
        apps["other"][column] = None if any(p is None for p in parts) else sum(int(p or 0) for p in parts)


def _documents(rng: random.Random, keys: tuple[str, str, str]) -> dict[str, Number]:
    made = rng.choice((0, 0, rng.randint(1, 30)))
    published = rng.randint(0, made)
    return dict(zip(keys, (made, published, published + rng.randint(0, 200)), strict=True))


def _items(rng: random.Random) -> dict[str, Number]:
    previous = rng.choice((0, rng.randint(1, 50), rng.randint(50, 500)))
    return {
        "previous_items": previous,
        "change": rng.choice((0, rng.randint(1, 200), -rng.randint(0, previous))),
        "decisions": rng.choice((0, rng.randint(1, 100), rng.randint(100, 50000))),
    }


def _wan_yuan(rng: random.Random, high: int) -> float:
    """An amount in yuan that is a whole number of 百元, so it prints exactly in 万元 with 2 decimals."""
    return float(rng.choice((0, rng.randint(1, high))) * 100)


def active_2019(rng: random.Random) -> Table:
    fees = _items(rng)
    del fees["decisions"]
    return {
        "regulations": _documents(rng, ("new_made", "new_published", "total_published")),
        "normative_documents": _documents(rng, ("new_made", "new_published", "total_published")),
        "licensing": _items(rng),
        "other_services": _items(rng),
        "penalties": _items(rng),
        "coercive_measures": _items(rng),
        "fees": fees,
        "procurement": {"items": rng.randint(0, 120), "amount_yuan": _wan_yuan(rng, 200_000)},
    }


def active_2021(rng: random.Random) -> Table:
    def decisions() -> dict[str, Number]:
        return {"decisions": rng.choice((0, rng.randint(1, 100), rng.randint(100, 20000)))}

    return {
        "regulations": _documents(rng, ("issued", "repealed", "in_force")),
        "normative_documents": _documents(rng, ("issued", "repealed", "in_force")),
        "licensing": decisions(),
        "penalties": decisions(),
        "coercive_measures": decisions(),
        "fees": {"amount_yuan": _wan_yuan(rng, 50_000)},
    }
