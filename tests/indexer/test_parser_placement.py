"""Short and split rows are placed only where every consistent placement agrees."""

from __future__ import annotations

import pytest

from indexer.parser.placement import agree, place_short, regroup
from indexer.parser.rules import APPEALS_SUM, ROW_SUM, accept_any, application_accept


def test_six_equal_values_for_seven_columns_are_all_placed() -> None:
    """Seed 002: the lost cell is 0 whichever cell it was, by total = sum of the applicant columns."""
    assert place_short([0] * 6, 7, ROW_SUM, accept_any) == (0,) * 7


def test_a_short_row_the_row_sum_cannot_place_stays_null() -> None:
    # 3 0 0 0 0 5: the missing cell could be any applicant column (2) or the total (8).
    assert place_short([3, 0, 0, 0, 0, 5], 7, ROW_SUM, accept_any) == (
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )


def test_the_rest_of_the_table_can_make_a_placement_certain() -> None:
    # Column rule balance: received + carried_over == handled_total + carried_forward, per column.
    matrix = {
        "carried_over": [0] * 7,
        "handled_total": [2, 0, 0, 0, 0, 3, 5],
        "carried_forward": [0] * 7,
    }
    accept = application_accept(matrix, "received")
    assert place_short([2, 0, 0, 0, 3, 5], 7, ROW_SUM, accept) == (2, 0, 0, 0, 0, 3, 5)


def test_certain_cells_are_kept_and_uncertain_ones_left_null() -> None:
    placed = place_short([1, 0, 0, 0, 0, 1], 7, ROW_SUM, accept_any)
    assert placed == (None, None, 0, 0, 0, None, None)


def test_a_placement_needing_a_negative_count_is_dropped() -> None:
    # 5 5 5 5 5 5 for 7 columns: only the total can be missing (30).
    assert place_short([5] * 6, 7, ROW_SUM, accept_any) == (5, 5, 5, 5, 5, 5, 30)


def test_a_split_number_is_rejoined_when_the_total_says_how() -> None:
    assert regroup(["1", "2", "3", "0", "0", "0", "0", "15"], 7, int, ROW_SUM, accept_any) == (
        12,
        3,
        0,
        0,
        0,
        0,
        15,
    )


def test_cells_that_several_rejoinings_read_differently_stay_null() -> None:
    # 1 1 1 0 … 12 is 11 1 0 …, 1 11 0 … or 1 1 10 …: only the cells all three agree on are kept.
    got = regroup(["1", "1", "1", "0", "0", "0", "0", "12"], 7, int, ROW_SUM, accept_any)
    assert got == (None, None, None, 0, 0, 0, 12)


def test_leading_zero_runs_are_never_rejoined() -> None:
    assert regroup(["0", "5", "0", "0", "0", "0", "0", "5"], 7, int, ROW_SUM, accept_any) is None


def test_appeals_short_row() -> None:
    # 14 numbers for 15: the lost one is a group's 0, fixed by its group total.
    values = [1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert place_short(values, 15, APPEALS_SUM, accept_any) == (1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_too_many_placements_give_up() -> None:
    assert place_short([0] * 7, 15, (), accept_any) is None  # comb(15, 7) = 6435 > MAX_CANDIDATES


@pytest.mark.parametrize(
    ("candidates", "agreed"),
    [([], None), ([(1, 2)], (1, 2)), ([(1, 2), (1, 3)], (1, None)), ([(None, 2), (1, 2)], (None, 2))],
)
def test_agree(candidates: list[tuple[int | None, ...]], agreed: tuple[int | None, ...] | None) -> None:
    assert agree(candidates, 2) == agreed
