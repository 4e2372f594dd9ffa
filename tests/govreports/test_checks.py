"""Totals and consistency rules are derived from the cells (report-model.md)."""

from __future__ import annotations

import pytest

from govreports.keys import APPLICANT_COLUMNS, APPLICATION_ROWS, OTHER_SUB_ROWS
from govreports.model import (
    Active2019,
    Active2021,
    AppealGroup,
    Appeals,
    ApplicationRow,
    Applications,
    Report,
    Totals,
)


def _row(*values: int | None) -> ApplicationRow:
    return ApplicationRow(**dict(zip((*APPLICANT_COLUMNS, "total"), values, strict=True)))


def _balanced_applications() -> Applications:
    """1 received from a person, 1 carried over from a company, one granted, one carried forward."""
    zero = _row(0, 0, 0, 0, 0, 0, 0)
    rows = {key: zero for key in APPLICATION_ROWS if key not in OTHER_SUB_ROWS}
    rows["received"] = _row(1, 0, 0, 0, 0, 0, 1)
    rows["carried_over"] = _row(0, 1, 0, 0, 0, 0, 1)
    rows["granted"] = _row(1, 0, 0, 0, 0, 0, 1)
    rows["handled_total"] = _row(1, 0, 0, 0, 0, 0, 1)
    rows["carried_forward"] = _row(0, 1, 0, 0, 0, 0, 1)
    return Applications(**rows)


def _appeals(review_total: int | None = 2) -> Appeals:
    return Appeals(
        review=AppealGroup(upheld=1, corrected=1, other=0, pending=0, total=review_total),
        litigation_direct=AppealGroup(upheld=0, corrected=2, other=0, pending=1, total=3),
        litigation_after_review=AppealGroup(upheld=0, corrected=0, other=0, pending=0, total=0),
    )


def _report(**fields: object) -> Report:
    return Report.model_validate({"id": "r", "content_sha256": "h", "format": "txt", **fields})


def _passed(report: Report) -> dict[str, bool | None]:
    return {check.rule: check.passed for check in report.checks}


def test_consistent_report_passes_every_rule() -> None:
    report = _report(applications=_balanced_applications(), appeals=_appeals())
    assert _passed(report) == {"balance": True, "handled_sum": True, "row_sum": True, "appeals_sum": True}
    assert report.consistent is True


@pytest.mark.parametrize(
    ("row", "cells", "failing_rule"),
    [
        ("carried_forward", (0, 2, 0, 0, 0, 0, 2), "balance"),
        ("other_misc", (1, 0, 0, 0, 0, 0, 0), "row_sum"),
        ("withheld_state_secret", (0, 0, 0, 0, 0, 0, 0), None),
        ("other", (1, 0, 0, 0, 0, 0, 1), "handled_sum"),
    ],
)
def test_a_broken_cell_fails_its_rule(
    row: str, cells: tuple[int, ...], failing_rule: str | None
) -> None:
    applications = _balanced_applications().model_copy(update={row: _row(*cells)})
    report = _report(applications=applications, appeals=_appeals())
    failed = [check.rule for check in report.checks if check.passed is False]
    assert failed == ([failing_rule] if failing_rule else [])
    assert report.consistent is (failing_rule is None)


def test_failure_detail_names_row_column_and_both_sides() -> None:
    report = _report(appeals=_appeals(review_total=5))
    (check,) = report.checks
    assert check.passed is False
    assert check.detail == "review: total vs upheld + corrected + other + pending: 5 != 2"


def test_null_cell_makes_rule_unknown_but_report_still_consistent() -> None:
    appeals = _appeals().model_copy(update={"review": AppealGroup()})
    report = _report(applications=_balanced_applications(), appeals=appeals)
    assert _passed(report)["appeals_sum"] is None
    assert report.consistent is True
    assert report.totals.reviews is None
    assert report.totals.lawsuits == 3


def test_null_cell_does_not_hide_a_failure_elsewhere() -> None:
    appeals = _appeals().model_copy(
        update={"review": AppealGroup(), "litigation_direct": AppealGroup(upheld=1, total=9)}
    )
    report = _report(appeals=appeals)
    assert _passed(report)["appeals_sum"] is None  # the first group is unknown, the second has a null too
    appeals = _appeals().model_copy(update={"review": AppealGroup()})
    appeals.litigation_direct.total = 9
    assert _passed(_report(appeals=appeals))["appeals_sum"] is False


def test_nothing_to_evaluate_means_consistent_is_null() -> None:
    assert _report().consistent is None
    assert _report().checks == []


def test_unprinted_other_sub_rows_are_left_out_of_row_sum() -> None:
    report = _report(applications=_balanced_applications())
    assert _passed(report)["row_sum"] is True


def test_totals_follow_the_cells_and_ignore_input() -> None:
    active = Active2019.model_validate(
        {
            "penalties": {"decisions": 741},
            "licensing": {"decisions": 3},
            "procurement": {"amount_yuan": 3622400.0},
        }
    )
    report = _report(
        active=active,
        applications=_balanced_applications(),
        appeals=_appeals(),
        totals={"applications_received": 999},
    )
    assert report.totals == Totals(
        applications_received=1,
        applications_handled=1,
        granted=1,
        grant_rate=1.0,
        reviews=2,
        lawsuits=3,
        corrected=3,
        penalties=741,
        licensing=3,
        procurement_yuan=3622400.0,
    )


def test_grant_rate_is_null_when_nothing_was_handled() -> None:
    zero = _row(0, 0, 0, 0, 0, 0, 0)
    applications = Applications(**{key: zero for key in APPLICATION_ROWS})
    assert _report(applications=applications).totals.grant_rate is None


def test_template_2021_has_no_procurement() -> None:
    report = _report(active=Active2021.model_validate({"penalties": {"decisions": 5}}))
    assert report.totals.procurement_yuan is None
    assert report.totals.penalties == 5
    dumped = report.model_dump()["active"]
    assert "procurement" not in dumped and "other_services" not in dumped
