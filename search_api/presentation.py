"""The report page's tables laid out like the national form, and which cells break a rule. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govreports.keys import (
    APPEAL_GROUPS,
    APPEAL_RESULTS,
    APPLICANT_COLUMNS,
    APPLICATION_COLUMNS,
    APPLICATION_ROWS,
    OTHER_SUB_ROWS,
    RESULT_ROWS,
)
from govreports.model import Active2019, Active2021, Appeals, Applications, Report
from search_api.labels import (
    OTHER_SUB_LABELS,
    REJECTED_LABELS,
    UNAVAILABLE_LABELS,
    WITHHELD_LABELS,
)

# (table, row, column): "applications" rows and columns, or "appeals" groups and results.
Cell = tuple[str, str, str]
WAN = 10_000  # yuan per 万元, the unit the forms print money in


@dataclass(frozen=True)
class Label:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class MatrixRow:
    """One printed row of section 三: the label cells it starts (with spans) and its key."""

    key: str
    labels: tuple[Label, ...]


def _group(title: str, labels: dict[str, str]) -> list[MatrixRow]:
    rows = [MatrixRow(key, (Label(text),)) for key, text in labels.items()]
    first = rows[0]
    rows[0] = MatrixRow(first.key, (Label(title, rowspan=len(rows)), *first.labels))
    return rows


def application_layout(sub_rows_printed: bool) -> list[MatrixRow]:
    """Section 三 as the form prints it: three label columns, the results nested under 三、."""
    results: list[MatrixRow] = [
        MatrixRow("granted", (Label("（一）予以公开", colspan=2),)),
        MatrixRow(
            "partially_granted",
            (Label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2),),
        ),
        *_group("（三）不予公开", WITHHELD_LABELS),
        *_group("（四）无法提供", UNAVAILABLE_LABELS),
        *_group("（五）不予处理", REJECTED_LABELS),
        *(
            _group("（六）其他处理", OTHER_SUB_LABELS)
            if sub_rows_printed
            else [MatrixRow("other", (Label("（六）其他处理", colspan=2),))]
        ),
        MatrixRow("handled_total", (Label("（七）总计", colspan=2),)),
    ]
    first = results[0]
    results[0] = MatrixRow(first.key, (Label("三、本年度办理结果", rowspan=len(results)), *first.labels))
    return [
        MatrixRow("received", (Label("一、本年新收政府信息公开申请数量", colspan=3),)),
        MatrixRow("carried_over", (Label("二、上年结转政府信息公开申请数量", colspan=3),)),
        *results,
        MatrixRow("carried_forward", (Label("四、结转下年度继续办理", colspan=3),)),
    ]


def sub_rows_printed(applications: Applications) -> bool:
    return any(not applications.row(key).is_blank() for key in OTHER_SUB_ROWS)


# --- section 二 -----------------------------------------------------------------


@dataclass(frozen=True)
class ActiveBlock:
    """One sub-table of section 二: the clause of Article 20 it reports, its columns and rows."""

    clause: str
    columns: tuple[tuple[str, str], ...]  # (field key, printed header)
    rows: tuple[tuple[str, str], ...]  # (row key, printed label)


_ITEMS_2019 = (("previous_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量"))
ACTIVE_2019: tuple[ActiveBlock, ...] = (
    ActiveBlock(
        "第二十条第（一）项",
        (
            ("new_made", "本年新制作数量"),
            ("new_published", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ),
        (("regulations", "规章"), ("normative_documents", "规范性文件")),
    ),
    ActiveBlock(
        "第二十条第（五）项",
        _ITEMS_2019,
        (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
    ),
    ActiveBlock(
        "第二十条第（六）项", _ITEMS_2019, (("penalties", "行政处罚"), ("coercive_measures", "行政强制"))
    ),
    ActiveBlock("第二十条第（八）项", _ITEMS_2019[:2], (("fees", "行政事业性收费"),)),
    ActiveBlock(
        "第二十条第（九）项",
        (("items", "采购项目数量"), ("amount_yuan", "采购总金额（万元）")),
        (("procurement", "政府集中采购"),),
    ),
)
ACTIVE_2021: tuple[ActiveBlock, ...] = (
    ActiveBlock(
        "第二十条第（一）项",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        (("regulations", "规章"), ("normative_documents", "行政规范性文件")),
    ),
    ActiveBlock("第二十条第（五）项", (("decisions", "本年处理决定数量"),), (("licensing", "行政许可"),)),
    ActiveBlock(
        "第二十条第（六）项",
        (("decisions", "本年处理决定数量"),),
        (("penalties", "行政处罚"), ("coercive_measures", "行政强制")),
    ),
    ActiveBlock(
        "第二十条第（八）项", (("amount_yuan", "本年收费金额（万元）"),), (("fees", "行政事业性收费"),)
    ),
)


def active_layout(active: Active2019 | Active2021 | None) -> tuple[ActiveBlock, ...]:
    if isinstance(active, Active2019):
        return ACTIVE_2019
    if isinstance(active, Active2021):
        return ACTIVE_2021
    return ()


def active_cell(active: Active2019 | Active2021, row: str, column: str) -> int | float | None:
    """A section 二 value as printed: money in 万元, like the form."""
    value: int | float | None = getattr(getattr(active, row), column)
    if column == "amount_yuan" and value is not None:
        return value / WAN
    return value


# --- failing cells --------------------------------------------------------------


def _sum(values: list[int | None]) -> int | None:
    return (
        None
        if any(value is None for value in values)
        else sum(value for value in values if value is not None)
    )


def _differ(left: int | None, right: int | None) -> bool:
    return left is not None and right is not None and left != right


def _application_failures(applications: Applications) -> set[Cell]:
    cells: set[Cell] = set()

    def at(row: str, column: str) -> int | None:
        value: int | None = getattr(applications.row(row), column)
        return value

    for column in APPLICATION_COLUMNS:
        incoming = _sum([at("received", column), at("carried_over", column)])
        outgoing = _sum([at("handled_total", column), at("carried_forward", column)])
        if _differ(incoming, outgoing):  # rule balance
            cells |= {
                ("applications", row, column)
                for row in ("received", "carried_over", "handled_total", "carried_forward")
            }
        if _differ(
            at("handled_total", column), _sum([at(row, column) for row in RESULT_ROWS])
        ):  # handled_sum
            cells.add(("applications", "handled_total", column))
    printed = [row for row in APPLICATION_ROWS if sub_rows_printed(applications) or row not in OTHER_SUB_ROWS]
    for row in printed:  # rule row_sum
        if _differ(at(row, "total"), _sum([at(row, column) for column in APPLICANT_COLUMNS])):
            cells.add(("applications", row, "total"))
    return cells


def _appeal_failures(appeals: Appeals) -> set[Cell]:
    cells: set[Cell] = set()
    for group in APPEAL_GROUPS:  # rule appeals_sum
        values = appeals.group(group)
        if _differ(values.total, _sum([getattr(values, result) for result in APPEAL_RESULTS])):
            cells.add(("appeals", group, "total"))
    return cells


def failing_cells(report: Report) -> set[Cell]:
    """The cells of an equation that does not hold: the totals a rule compares, marked on the page."""
    cells: set[Cell] = set()
    if report.applications is not None:
        cells |= _application_failures(report.applications)
    if report.appeals is not None:
        cells |= _appeal_failures(report.appeals)
    return cells


def number(value: Any) -> str:
    """A cell as the page prints it: thousands separators, no trailing zeros, blank when not given."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"
