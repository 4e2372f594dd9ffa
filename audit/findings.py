"""Findings: the rows of /api/audit and its 问题清单 (CSV), one per broken rule of a report or office-year.

Only what is wrong is a finding: a chain that holds or cannot be assessed is not one.
Each finding has a stable id (the report or office-year and the rule), so the audit replaces
the findings of what it looked at again without a delete-by-query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from audit.chains import RULES as CHAIN_RULES
from audit.chains import SEVERITY
from audit.facts import ReportFacts
from audit.missing import MissingYear
from govreports.model import CrossYear, Reuse, Timeliness

Rule = Literal["carry_chain", "in_force_chain", "items_chain", "late", "copied", "missing"]
REPORT_RULES: tuple[Rule, ...] = ("carry_chain", "in_force_chain", "items_chain", "late", "copied")
FINDING_RULES: tuple[Rule, ...] = (*REPORT_RULES, "missing")
RULE_LABELS: dict[str, str] = {
    "carry_chain": "结转数据前后年度不衔接",
    "in_force_chain": "现行有效件数前后年度不衔接",
    "items_chain": "项目数量前后年度不衔接",
    "late": "未按时发布年度报告",
    "copied": "年度报告内容与往年或其他报告高度重复",
    "missing": "未发布年度报告",
}


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Literal["error", "warning"]
    office_id: str
    office: str | None
    year: int | None
    report_id: str | None
    other_report_id: str | None
    detail: str
    cells: list[str] = field(default_factory=list)
    region: dict[str, str | None] = field(default_factory=dict)
    level: str | None = None
    title: str | None = None

    @property
    def id(self) -> str:
        return finding_id(self.rule, self.report_id, self.office_id, self.year)

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity,
            "office_id": self.office_id,
            "office": self.office,
            "year": self.year,
            "report_id": self.report_id,
            "other_report_id": self.other_report_id,
            "cells": self.cells,
            "detail": self.detail,
            "region": self.region,
            "level": self.level,
            "title": self.title,
        }


def finding_id(rule: str, report_id: str | None, office_id: str, year: int | None) -> str:
    return f"{report_id}:{rule}" if report_id is not None else f"{office_id}:{year}:{rule}"


def _region(facts: ReportFacts) -> dict[str, str | None]:
    return facts.region.model_dump()


def _cells(earlier: int | None, later: int | None, previous: list[str], cells: list[str]) -> list[str]:
    """The cells on both sides, each with its report's year: `2020:applications.carried_forward.total`."""
    return [f"{earlier}:{cell}" for cell in previous] + [f"{later}:{cell}" for cell in cells]


def report_findings(
    facts: ReportFacts,
    office_id: str,
    office: str | None,
    cross_year: CrossYear | None,
    timeliness: Timeliness | None,
    reuse: Reuse | None,
) -> list[Finding]:
    """What is wrong with one report: broken chains, lateness, a copied narrative."""
    common: dict[str, Any] = {
        "office_id": office_id,
        "office": office,
        "year": facts.year,
        "report_id": facts.id,
        "region": _region(facts),
        "level": facts.level,
        "title": facts.title,
    }
    found: list[Finding] = []
    if cross_year is not None:
        for rule in CHAIN_RULES:
            result = getattr(cross_year, rule)
            if result.status == "broken":
                cells = _cells(cross_year.previous_year, facts.year, result.previous_cells, result.cells)
                found.append(
                    Finding(
                        rule=rule,
                        severity=SEVERITY[rule],
                        other_report_id=cross_year.previous_report_id,
                        detail=result.detail,
                        cells=cells,
                        **common,
                    )
                )
    if timeliness is not None and timeliness.status == "late":
        detail = f"published {timeliness.days_late} days after {timeliness.deadline} ({timeliness.rule})"
        found.append(Finding(rule="late", severity="error", other_report_id=None, detail=detail, **common))
    if reuse is not None and reuse.flagged:
        found.append(_copied(reuse, common))
    return found


def _copied(reuse: Reuse, common: dict[str, Any]) -> Finding:
    previous, nearest = reuse.previous or 0.0, reuse.nearest or 0.0
    if previous >= nearest:
        other, share, where = reuse.previous_report_id, previous, "the office's previous report"
    else:
        other, share, where = reuse.nearest_report_id, nearest, "an earlier report"
    detail = f"{share:.0%} of the narrative is found in {where}"
    return Finding(rule="copied", severity="warning", other_report_id=other, detail=detail, **common)


def missing_findings(
    office_id: str,
    office: str | None,
    region: dict[str, str | None],
    level: str | None,
    missing: list[MissingYear],
) -> list[Finding]:
    return [
        Finding(
            rule="missing",
            severity="error",
            office_id=office_id,
            office=office,
            year=entry.year,
            report_id=None,
            other_report_id=None,
            detail=entry.detail,
            region=region,
            level=level,
        )
        for entry in missing
        if entry.status == "missing"
    ]
