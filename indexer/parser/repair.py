"""Misprinted row labels (`1.属于国秘密`, `2.重夏申请`, `(一)予以公并`) recognised by place and wording.

Real labels lose characters, carry OCR confusions or drop their number, so no key
substring names them. Such a row is given the key of the form's row it stands in
for when both of these hold:
- its place: it sits between two rows that were recognised, where the form has
  exactly as many rows not printed elsewhere as there are unrecognised rows;
- its wording: it reads close to that row's official wording.
A close wording alone (no certain place) must be closer still and clearly closer
than any other row's. A key printed properly anywhere in the table is never given
again, and no key is given twice. Each repair leaves a `label_repaired` warning
naming the printed text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govreports.keys import OTHER_SUB_ROWS
from indexer.parser.labels import APPLICATION_WORDING, core_words, similarity
from indexer.parser.matching import Matched
from indexer.parser.notes import Notes

_PLACED = 0.5  # wording close enough for a row whose place in the form is certain
_CLOSE = 0.8  # wording close enough with no certain place …
_MARGIN = 0.2  # … and this much closer than any other row's
_LABEL_MAX = 60  # a longer label is a paragraph, not a misprinted row


def application_order(keys: Sequence[str]) -> tuple[str, ...]:
    """The form's rows in printed order: （六） as three sub-rows when any sub-row was recognised."""
    sub_rows = any(key in OTHER_SUB_ROWS for key in keys)
    other = OTHER_SUB_ROWS if sub_rows else ("other",)
    rows = tuple(APPLICATION_WORDING)
    start = rows.index("other_no_correction")
    return (*rows[:start], *other, "handled_total", "carried_forward")


def _repairable(item: Matched) -> bool:
    return item.key is None and 0 < len(item.row.label) <= _LABEL_MAX and bool(core_words(item.row.label))


def _choose(
    run: Sequence[Matched], gap: Sequence[str], wording: Mapping[str, Sequence[str]]
) -> list[tuple[Matched, str]]:
    """Keys for the unrecognised rows between two recognised ones: by place, else by wording alone."""
    if len(run) == len(gap):
        pairs = list(zip(run, gap, strict=True))
        return [(item, key) for item, key in pairs if similarity(item.row.label, wording[key]) >= _PLACED]
    chosen: list[tuple[Matched, str]] = []
    given: set[str] = set()
    for item in run:
        scores = sorted(((similarity(item.row.label, wording[key]), key) for key in gap), reverse=True)
        if not scores:
            break
        best, key = scores[0]
        runner_up = scores[1][0] if len(scores) > 1 else 0.0
        if best >= _CLOSE and best - runner_up >= _MARGIN and key not in given:
            chosen.append((item, key))
            given.add(key)
    return chosen


def repair_labels(
    matched: Sequence[Matched],
    order: Sequence[str],
    wording: Mapping[str, Sequence[str]],
    printed: set[str],
    table: str,
    notes: Notes,
) -> None:
    """Give misprinted rows their keys in place (see the module's doc); `printed` holds label-only keys."""
    if not any(_repairable(item) for item in matched):
        return
    position = {key: index for index, key in enumerate(order)}
    taken = printed | {item.key for item in matched if item.key is not None}
    run: list[Matched] = []
    previous = -1
    for item in [*matched, None]:
        if item is not None and item.key is None:
            if _repairable(item):
                run.append(item)
            continue
        if item is not None and item.key not in position:
            continue  # a row of another template or an ignored row: no place in this form
        following = len(order) if item is None else position[item.key]  # type: ignore[index]
        if run and following > previous:
            gap = [key for key in order[previous + 1 : following] if key not in taken]
            for repaired, key in _choose(run, gap, wording):
                repaired.key = key
                taken.add(key)
                printed_label = repaired.row.label
                notes.add("label_repaired", f"{table}.{key}: read from the printed label {printed_label!r}")
        run = []
        previous = following if item is not None else previous
