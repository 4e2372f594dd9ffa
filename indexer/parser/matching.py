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

    A row whose own label names nothing may have its label wrapped onto label-only lines
    before or after its values: those neighbours are read with it (see `_Wrapped`), and
    a neighbour used up that way is no row of its own.
    """
    wrapped = _Wrapped(rows, find, wording)
    matched: list[Matched] = []
    for index, row in enumerate(rows):
        if row.has_values:
            key = wrapped.keys[index]
            matched.append(Matched(key if key is not None else wrapped.key_with_neighbours(index), row))
    label_only = {
        key
        for index, (row, key) in enumerate(zip(rows, wrapped.keys, strict=True))
        if key is not None and not row.has_values and index not in wrapped.used
    }
    return matched, label_only


class _Wrapped:
    """Labels wrapped over several lines, read together with their label-only neighbours.

    A neighbour that names nothing by itself (`申请` after `1.信访举报投诉类`) is joined
    when the join names a row. A neighbour that does name a row by itself is taken
    only when the whole reads as that row's wording (`3.补正后申请内容` + `仍不明确`,
    `一、本年新收政府` + `信息公开申请数量`), and is then no row of its own. Label columns
    interleave on a line (`(四` `1.本机关不掌` / `)` `握相关政府信息`), so the rows'
    last label cells, their own column, are also read together.
    """

    def __init__(
        self, rows: Sequence[Row], find: Callable[[str], str | None], wording: Mapping[str, Sequence[str]]
    ) -> None:
        self.rows, self.find, self.wording = rows, find, wording
        self.keys = [match_parts(row.parts, find) for row in rows]
        self.used: set[int] = set()

    def _label_only(self, index: int) -> bool:
        return 0 <= index < len(self.rows) and not self.rows[index].has_values and index not in self.used

    def key_with_neighbours(self, index: int) -> str | None:
        before, after = index - 1, index + 1
        for neighbour, lines in ((after, [index, after]), (before, [before, index])):
            if self._label_only(neighbour) and self.keys[neighbour] is None and (key := self._joined(lines)):
                return key
        for neighbour, lines in ((after, [index, after]), (before, [before, index])):
            if self._label_only(neighbour) and (key := self._reads_as_its_key(neighbour, lines)) is not None:
                self.used.add(neighbour)
                return key
        return None

    def _joined(self, lines: list[int]) -> str | None:
        """The key the labels of `lines` name read as one: the shortest tail first, then own columns."""
        parts = [part for line in lines for part in self.rows[line].parts]
        for start in range(len(self.rows[lines[0]].parts) - 1, -1, -1):
            if (key := self.find("".join(parts[start:]))) is not None:
                return key
        return self.find("".join(self.rows[line].parts[-1] for line in lines))

    def _reads_as_its_key(self, neighbour: int, lines: list[int]) -> str | None:
        key = self.keys[neighbour]
        row = self.rows[neighbour]
        if key is None or key not in self.wording or (neighbour > lines[0] and starts_numbered(row.label)):
            return None  # a numbered label after the values opens a row of its own
        whole = "".join(self.rows[line].label for line in lines)
        own = "".join(self.rows[line].parts[-1] for line in lines)
        best = max(similarity(whole, self.wording[key]), similarity(own, self.wording[key]))
        return key if best >= WRAPPED_LABEL else None


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
