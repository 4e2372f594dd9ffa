"""The cross-year rules between an office's reports for consecutive years (docs/audit.md).

Each rule compares the report for year N+1 (`later`) with the same office's report for year N
(`earlier`) and says `ok`, `broken` or `not_assessable` with the reason. They are kept apart
from a report's own `checks` and `consistent`, which say only whether its own arithmetic holds.

Results are built with `model_construct`, without validating again values made here with the
declared types: a full audit builds a few for each of hundreds of thousands of reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from audit.facts import DOCUMENT_ROWS, ITEM_ROWS, Number, ReportFacts
from govreports.keys import APPLICATION_COLUMNS
from govreports.model import ChainResult, ChainStatus, CrossYear

ChainRule = Literal["carry_chain", "in_force_chain", "items_chain"]
RULES: tuple[ChainRule, ...] = ("carry_chain", "in_force_chain", "items_chain")
# A broken carry or items chain contradicts the numbers; a broken in-force chain may be a
# consolidation (清理) the form cannot show, so it is a warning.
SEVERITY: dict[str, Literal["error", "warning"]] = {
    "carry_chain": "error",
    "items_chain": "error",
    "in_force_chain": "warning",
}


@dataclass
class _Equations:
    """The equations of one rule; broken ones are all listed, a null cell only when none broke."""

    broken: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    previous_cells: list[str] = field(default_factory=list)
    null: str | None = None
    held: int = 0

    def equation(
        self, where: str, expected: Number, found: Number, cells: tuple[list[str], list[str]]
    ) -> None:
        """`found` (in the later report) must equal `expected` (from the earlier one, or both)."""
        if expected is None or found is None:
            self.null = self.null or f"a cell is null: {where}"
            return
        if expected != found:
            self.broken.append(f"{where}: expected {expected:g}, found {found:g}")
            self.previous_cells += cells[0]
            self.cells += cells[1]
        else:
            self.held += 1

    def result(self) -> ChainResult:
        if self.broken:
            return _result("broken", "; ".join(self.broken), self.cells, self.previous_cells)
        if self.null is not None:
            return not_assessable(self.null)
        return _result("ok", f"{self.held} equations hold")


def not_assessable(reason: str) -> ChainResult:
    return _result("not_assessable", reason)


def _result(
    status: ChainStatus, detail: str, cells: Sequence[str] = (), previous: Sequence[str] = ()
) -> ChainResult:
    # Every field given: a default factory left to model_construct costs it a signature inspection.
    return ChainResult.model_construct(
        status=status, detail=detail, cells=list(cells), previous_cells=list(previous)
    )


def _comparable(earlier: ReportFacts | None, later: ReportFacts) -> str | None:
    """Why no rule can compare the two reports, or None when they can be compared."""
    year = later.year
    if year is None:
        return "the report's year is unknown"
    if earlier is None or earlier.year != year - 1:
        return f"a year is missing: no report for {year - 1}"
    if earlier.template == "legacy":
        return f"the earlier report ({year - 1}) is a legacy (pre-2019) one: its tables are not read"
    if later.template == "legacy":
        return f"the report ({year}) is a legacy (pre-2019) one: its tables are not read"
    return None


def carry_chain(earlier: ReportFacts | None, later: ReportFacts) -> ChainResult:
    """四、结转下年度继续办理 in year N = 二、上年结转 in year N+1, in each of the 7 columns.

    Rows 二 and 四 of table 三 are the same in both templates, so the rule holds across the
    2020 → 2021 change.
    """
    if (reason := _comparable(earlier, later)) is not None or earlier is None:
        return not_assessable(reason or "")
    equations = _Equations()
    for column in APPLICATION_COLUMNS:
        forward, over = f"applications.carried_forward.{column}", f"applications.carried_over.{column}"
        equations.equation(
            f"column {column}: carried_forward {earlier.year} vs carried_over {later.year}",
            earlier.cell(forward),
            later.cell(over),
            ([forward], [over]),
        )
    return equations.result()


def in_force_chain(earlier: ReportFacts | None, later: ReportFacts) -> ChainResult:
    """现行有效 in N+1 = 现行有效 in N + 本年制发 in N+1 − 本年废止 in N+1 (2021 template on),
    for 规章 and 行政规范性文件."""
    if (reason := _comparable(earlier, later)) is not None or earlier is None:
        return not_assessable(reason or "")
    if later.template != "2021":
        return not_assessable(f"the {later.year} report is not on the 2021 template: no 现行有效件数")
    if earlier.template != "2021":
        return not_assessable(
            f"table 二 changed template between {earlier.year} and {later.year}: no 现行有效件数 before"
        )
    equations = _Equations()
    for row in DOCUMENT_ROWS:
        previous, issued, repealed = (f"active.{row}.{key}" for key in ("in_force", "issued", "repealed"))
        before, added, removed = earlier.cell(previous), later.cell(issued), later.cell(repealed)
        expected = None if before is None or added is None or removed is None else before + added - removed
        equations.equation(
            f"{row}: in_force {earlier.year} + issued - repealed {later.year} vs in_force {later.year}",
            expected,
            later.cell(previous),
            ([previous], [previous, issued, repealed]),
        )
    return equations.result()


def items_chain(earlier: ReportFacts | None, later: ReportFacts) -> ChainResult:
    """上一年项目数量 in 2020 = 上一年项目数量 + 本年增/减 in 2019 (2019 template), for 行政许可,
    其他对外管理服务事项, 行政处罚, 行政强制 and 行政事业性收费."""
    if (reason := _comparable(earlier, later)) is not None or earlier is None:
        return not_assessable(reason or "")
    if later.template == "2021" and earlier.template == "2019":
        return not_assessable(f"table 二 changed template between {earlier.year} and {later.year}")
    if later.template != "2019" or earlier.template != "2019":
        return not_assessable(f"the {later.year} report is not on the 2019 template: no 上一年项目数量")
    equations = _Equations()
    for row in ITEM_ROWS:
        previous, change = f"active.{row}.previous_items", f"active.{row}.change"
        before, delta = earlier.cell(previous), earlier.cell(change)
        expected = None if before is None or delta is None else before + delta
        equations.equation(
            f"{row}: previous_items + change {earlier.year} vs previous_items {later.year}",
            expected,
            later.cell(previous),
            ([previous, change], [previous]),
        )
    return equations.result()


def summary(results: list[ChainResult]) -> ChainStatus:
    """broken if any rule is broken; ok if none is and one holds; else not_assessable."""
    statuses = {result.status for result in results}
    if "broken" in statuses:
        return "broken"
    return "ok" if "ok" in statuses else "not_assessable"


def cross_year(earlier: ReportFacts | None, later: ReportFacts) -> CrossYear:
    """Every rule between `later` and `earlier` (the office's report for the year before, if any)."""
    carry, in_force, items = (
        carry_chain(earlier, later),
        in_force_chain(earlier, later),
        items_chain(earlier, later),
    )
    compared = earlier is not None and later.year is not None and earlier.year == later.year - 1
    return CrossYear.model_construct(
        previous_report_id=earlier.id if compared and earlier is not None else None,
        previous_year=earlier.year if compared and earlier is not None else None,
        chain=summary([carry, in_force, items]),
        carry_chain=carry,
        in_force_chain=in_force,
        items_chain=items,
    )
