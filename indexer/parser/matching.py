"""Table rows → row keys: label matching with wrapped labels, positions, duplicates."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from indexer.parser.labels import (
    APPLICATION_WORDING,
    BARE_OTHER,
    application_key,
    match_parts,
    similarity,
    starts_numbered,
)
from indexer.parser.layout import Row
from indexer.parser.notes import Notes
from indexer.parser.sections import SECTION_TITLES

_UNKNOWN_LABEL_MAX = 60  # a longer "label" is a paragraph, not a table row
WRAPPED_LABEL = 0.8  # how close a label and its wrapped tail must read to the form's wording


@dataclass(slots=True)
class Matched:
    key: str | None
    row: Row
    # The row's cells from its first to its last value, taken once: every reader looks at them.
    span: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.span = self.row.span()


def match_rows(
    rows: Sequence[Row], find: Callable[[str], str | None], wording: Mapping[str, Sequence[str]]
) -> tuple[list[Matched], set[str]]:
    """Rows with values and their keys; and the keys of rows printed with no values at all.

    A row whose own label names nothing may have its label wrapped onto the line after
    its values, or before it on a line of its own: those label-only neighbours are tried.
    """
    matched: list[Matched] = []
    label_only: set[str] = set()
    consumed = -1  # a label-only row taken as the end of the wrapped label before it
    for index, row in enumerate(rows):
        if index == consumed:
            continue
        key = match_parts(row.parts, find)
        if not row.has_values:
            if key is not None:
                label_only.add(key)
            continue
        if key is None:
            key, consumed = _with_neighbour(rows, index, find, wording)
        matched.append(Matched(key, row))
    return matched, label_only


def _fragment(row: Row | None, find: Callable[[str], str | None]) -> Row | None:
    """A label-only row that names no row by itself: a piece of a wrapped label."""
    if row is None or row.has_values or match_parts(row.parts, find) is not None:
        return None
    return row


def _wrapped_tail(
    row: Row, after: Row | None, find: Callable[[str], str | None], wording: Mapping[str, Sequence[str]]
) -> str | None:
    """The key of a label-only row that names a row itself but is the end of `row`'s wrapped label.

    `3.补正后申请内容` with the values, then `仍不明确` alone: the two read as one form
    label, closer than the tail alone would be to anything else.
    """
    if after is None or after.has_values or starts_numbered(after.label):
        return None  # a numbered label opens a row of its own
    key = match_parts(after.parts, find)
    if key is None or key not in wording:
        return None
    return key if similarity(row.label + after.label, wording[key]) >= WRAPPED_LABEL else None


def _with_neighbour(
    rows: Sequence[Row], index: int, find: Callable[[str], str | None], wording: Mapping[str, Sequence[str]]
) -> tuple[str | None, int]:
    """The key a wrapped label names with its neighbour, and the neighbour's index when it is used up."""
    parts = rows[index].parts
    following = rows[index + 1] if index + 1 < len(rows) else None
    if after := _fragment(following, find):
        for start in range(len(parts) - 1, -1, -1):
            key = find("".join(parts[start:] + after.parts))
            if key is not None:
                return key, -1
    if (key := _wrapped_tail(rows[index], following, find, wording)) is not None:
        return key, index + 1
    if before := _fragment(rows[index - 1] if index > 0 else None, find):
        return match_parts(before.parts + parts, find), -1
    return None, -1


def match_application_rows(rows: Sequence[Row]) -> tuple[list[Matched], set[str]]:
    matched, label_only = match_rows(rows, application_key, APPLICATION_WORDING)
    previous: str | None = None
    for item in matched:
        # `其他` alone is the applicant column's header, except right after （六）'s first sub-rows.
        after_sub_rows = previous in ("other_no_correction", "other_unpaid_fee")
        if item.key is None and after_sub_rows and BARE_OTHER.fullmatch(item.row.label[-2:]):
            item.key = "other_misc"
        previous = item.key or previous
    return matched, label_only


def positional(cells: Sequence[str], width: int) -> list[str] | None:
    """The row's cells when, less blanks around them beyond `width`, exactly `width` remain."""
    window = list(cells)
    while len(window) > width and window[-1] == "":
        window.pop()
    while len(window) > width and window[0] == "":
        window.pop(0)
    return window if len(window) == width else None


def warn_unknown(matched: Sequence[Matched], table: str, notes: Notes) -> None:
    for item in matched:
        if item.key is None and item.row.label and len(item.row.label) <= _UNKNOWN_LABEL_MAX:
            notes.add("unknown_row", f"{SECTION_TITLES[table]}: {item.row.label!r} is not a row of the form")


def first_of_each(matched: Sequence[Matched], table: str, notes: Notes) -> list[Matched]:
    """Each key's first row; a repeated key (a table printed twice) is reported, not merged."""
    seen: set[str] = set()
    unique: list[Matched] = []
    for item in matched:
        if item.key is None:
            continue
        if item.key in seen:
            where = SECTION_TITLES[table]
            notes.add(
                "duplicate_row", f"{where}: {item.key} printed again ({item.row.label!r}); the first is kept"
            )
            continue
        seen.add(item.key)
        unique.append(item)
    return unique
