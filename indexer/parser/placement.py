"""Rows that lost or split cells in extraction: placed only where the placement is certain.

A short row (six numbers for seven columns) is tried in every placement that keeps
the numbers' order; a long row (a number split in two: `1 2` for `12`) in every way
of rejoining neighbouring digit runs. An unplaced cell is filled only when a row
equation (total = sum of parts) determines it. Candidates that break an equation, or
a caller's check against the rest of the table, are dropped; a cell gets a value
only when every surviving candidate gives it the same one. Nothing is guessed: a
cell the candidates disagree on stays null.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations, pairwise
from math import comb

Values = tuple[int | None, ...]
# (index of a total, indexes of its parts): total == sum(parts).
Equation = tuple[int, tuple[int, ...]]
Accept = Callable[[Values], bool]

MAX_CANDIDATES = 5000  # beyond this the row is left null rather than searched


def _complete(row: list[int | None], unplaced: set[int], equations: Sequence[Equation]) -> bool:
    """Fill unplaced cells that an equation determines; False when that would need a negative count."""
    for total, parts in equations:
        members = (total, *parts)
        unknown = [index for index in members if index in unplaced and row[index] is None]
        if len(unknown) != 1 or any(row[i] is None for i in members if i != unknown[0]):
            continue
        missing = unknown[0]
        known_parts = sum(row[i] or 0 for i in parts if i != missing)
        value = known_parts if missing == total else (row[total] or 0) - known_parts
        if value < 0:
            return False
        row[missing] = value
    return True


def holds(row: Values, equations: Sequence[Equation]) -> bool:
    """No equation whose cells are all known is broken."""
    for total, parts in equations:
        cells = [row[total], *(row[i] for i in parts)]
        if all(cell is not None for cell in cells) and row[total] != sum(row[i] or 0 for i in parts):
            return False
    return True


def agree(candidates: Sequence[Values], width: int) -> Values | None:
    """Per cell, the value every candidate gives it, else None; None when there is no candidate."""
    if not candidates:
        return None
    first = candidates[0]
    return tuple(first[i] if all(c[i] == first[i] for c in candidates) else None for i in range(width))


def place_short(
    values: Sequence[int | None], width: int, equations: Sequence[Equation], accept: Accept
) -> Values | None:
    """`values` (fewer than `width`, in order) placed where every consistent placement agrees."""
    if comb(width, len(values)) > MAX_CANDIDATES:
        return None
    candidates: set[Values] = set()
    for positions in combinations(range(width), len(values)):
        row: list[int | None] = [None] * width
        for position, value in zip(positions, values, strict=True):
            row[position] = value
        unplaced = set(range(width)) - set(positions)
        if not _complete(row, unplaced, equations):
            continue
        candidate = tuple(row)
        if candidate not in candidates and holds(candidate, equations) and accept(candidate):
            candidates.add(candidate)
    return agree(sorted(candidates, key=repr), width)


def place_in_windows(cells: Sequence[int | None], width: int, equations: Sequence[Equation]) -> Values | None:
    """A row printed cell by cell, blanks included, off its header's grid (a span one too wide).

    Its place is `width` consecutive cells holding every printed value. The row's own
    equations decide: a window they check in full and find holding wins when it is the
    only one; otherwise a cell keeps only the value every unbroken window gives it. No
    other row's rule takes part, so a report that breaks them as printed stays flagged,
    and a blank stays null.
    """
    printed = sum(cell is not None for cell in cells)
    windows = [tuple(cells[start : start + width]) for start in range(len(cells) - width + 1)]
    windows = [
        window
        for window in windows
        if sum(cell is not None for cell in window) == printed and holds(window, equations)
    ]
    confirmed = [window for window in windows if None not in window]
    return agree(confirmed if len(confirmed) == 1 else windows, width)


def _rejoinable(group: Sequence[str]) -> bool:
    """One token, or bare digit runs that do not start with a zero (`0` `5` is not `05`)."""
    if len(group) == 1:
        return True
    return all(token.isascii() and token.isdigit() for token in group) and not group[0].startswith("0")


def regroup(
    tokens: Sequence[str],
    width: int,
    read: Callable[[str], int | None],
    equations: Sequence[Equation],
    accept: Accept,
) -> Values | None:
    """`tokens` (more than `width`) rejoined into `width` numbers where every consistent way agrees.

    Only bare digit runs are rejoined, and never into a number with a leading zero.
    """
    if comb(len(tokens) - 1, width - 1) > MAX_CANDIDATES:
        return None
    candidates: set[Values] = set()
    for cuts in combinations(range(1, len(tokens)), width - 1):
        bounds = (0, *cuts, len(tokens))
        groups = [tokens[a:b] for a, b in pairwise(bounds)]
        if not all(_rejoinable(group) for group in groups):
            continue
        row = tuple(read("".join(group)) for group in groups)
        if holds(row, equations) and accept(row):
            candidates.add(row)
    return agree(sorted(candidates, key=repr), width)
