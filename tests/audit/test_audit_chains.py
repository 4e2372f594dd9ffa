"""The cross-year rules: carry chain over the 7 columns, in-force chain, items chain, not_assessable."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from audit.chains import carry_chain, cross_year, in_force_chain, items_chain
from audit.facts import CELL_PATHS, ReportFacts, cells_of, from_report
from govreports.keys import APPLICATION_COLUMNS
from govreports.model import Region, Report


def facts(year: int, template: str | None, **cells: Any) -> ReportFacts:
    return ReportFacts(
        id=f"{year:040d}",
        office="洪泽区人民政府",
        region=Region(),
        level="county",
        year=year,
        template=template,
        published_date=date(year + 1, 1, 20),
        first_seen_at=None,
        cells=cells_of({path.replace("__", "."): value for path, value in cells.items()}),
    )


def with_cell(item: ReportFacts, path: str, value: int) -> ReportFacts:
    cells = list(item.cells)
    cells[CELL_PATHS.index(path)] = value
    return replace(item, cells=tuple(cells))


def carry(year: int, template: str, forward: int | None, over: int | None) -> ReportFacts:
    cells = {}
    for column in APPLICATION_COLUMNS:
        cells[f"applications__carried_forward__{column}"] = forward
        cells[f"applications__carried_over__{column}"] = over
    return facts(year, template, **cells)


def test_the_carry_chain_holds_across_the_2020_to_2021_template_change() -> None:
    result = carry_chain(carry(2020, "2019", forward=3, over=1), carry(2021, "2021", forward=0, over=3))
    assert result.status == "ok"


def test_a_broken_carry_chain_names_each_column_on_both_sides() -> None:
    later = with_cell(carry(2022, "2021", forward=0, over=3), "applications.carried_over.commercial", 2)
    result = carry_chain(carry(2021, "2021", forward=3, over=0), later)
    assert result.status == "broken"
    assert result.cells == ["applications.carried_over.commercial"]
    assert result.previous_cells == ["applications.carried_forward.commercial"]
    assert "commercial" in result.detail and "expected 3, found 2" in result.detail


def test_a_null_cell_is_not_assessable_with_its_reason() -> None:
    result = carry_chain(carry(2021, "2021", forward=None, over=0), carry(2022, "2021", forward=0, over=0))
    assert result.status == "not_assessable"
    assert result.detail.startswith("a cell is null")


def test_a_missing_year_is_not_assessable() -> None:
    for rule in (carry_chain, in_force_chain, items_chain):
        result = rule(carry(2020, "2019", 0, 0), carry(2022, "2021", 0, 0))
        assert (result.status, result.detail) == ("not_assessable", "a year is missing: no report for 2021")
        assert rule(None, carry(2022, "2021", 0, 0)).status == "not_assessable"


def test_a_legacy_earlier_report_is_not_assessable() -> None:
    result = carry_chain(facts(2018, "legacy"), carry(2019, "2019", 0, 0))
    assert result.status == "not_assessable" and "legacy" in result.detail


def documents(year: int, issued: int, repealed: int, in_force: int) -> dict[str, int]:
    return {
        f"active__{row}__{key}": value
        for row in ("regulations", "normative_documents")
        for key, value in (("issued", issued), ("repealed", repealed), ("in_force", in_force))
    }


def test_the_in_force_chain() -> None:
    earlier = facts(2022, "2021", **documents(2022, 3, 1, 40))
    assert in_force_chain(earlier, facts(2023, "2021", **documents(2023, 5, 2, 43))).status == "ok"
    broken = in_force_chain(earlier, facts(2023, "2021", **documents(2023, 5, 2, 30)))
    assert broken.status == "broken"
    assert broken.previous_cells == ["active.regulations.in_force", "active.normative_documents.in_force"]


def test_the_in_force_chain_is_not_assessable_across_the_template_change() -> None:
    result = in_force_chain(facts(2020, "2019"), facts(2021, "2021", **documents(2021, 1, 0, 9)))
    assert result.status == "not_assessable" and "changed template between 2020 and 2021" in result.detail


def items(previous: int, change: int) -> dict[str, int]:
    rows = ("licensing", "other_services", "penalties", "coercive_measures", "fees")
    return {
        f"active__{row}__{key}": value
        for row in rows
        for key, value in (("previous_items", previous), ("change", change))
    }


def test_the_items_chain_2019_to_2020() -> None:
    earlier = facts(2019, "2019", **items(10, -2))
    assert items_chain(earlier, facts(2020, "2019", **items(8, 5))).status == "ok"
    broken = items_chain(earlier, facts(2020, "2019", **items(10, 5)))
    assert broken.status == "broken" and len(broken.cells) == 5


def test_the_items_chain_is_not_assessable_from_2020_to_2021() -> None:
    result = items_chain(facts(2020, "2019", **items(10, 0)), facts(2021, "2021"))
    assert result.status == "not_assessable" and "changed template" in result.detail


def test_cross_year_sums_up_the_rules() -> None:
    earlier, later = carry(2021, "2021", 3, 0), carry(2022, "2021", 0, 3)
    assert cross_year(earlier, later).chain == "ok"  # carry ok, the other two not assessable
    result = cross_year(earlier, with_cell(later, "applications.carried_over.total", 4))
    assert result.chain == "broken" and result.previous_report_id == earlier.id
    assert cross_year(None, later).chain == "not_assessable"


def test_facts_read_a_report() -> None:
    report = Report(id="a" * 40, content_sha256="0" * 64, format="txt", year=2020, template="2019")
    assert from_report(report).year == 2020
