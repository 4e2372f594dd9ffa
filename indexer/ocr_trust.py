"""The one trust rule for numbers read by OCR (issue 16), applied after the pure parse.

- A number read with confidence stays as read, even if a consistency rule then fails
  (the report is flagged as printed, like any other).
- A number read below the confidence threshold (marked by the OCR extractor with
  `LOW_CONFIDENCE`) may be repaired, only when exactly one value makes the report's own
  rules hold: the rules in which it is the one unknown all give the same value, and that
  value is the reading itself or the reading with one digit changed. The cell then gets an
  `ocr_repaired` warning (none when the rules confirm the reading as read).
- Otherwise the cell is null, with an `ocr_low_confidence` warning.

A number cell that shows ink where nothing could be read (marked `UNREAD`) is a reading
without confidence of no value: null, unless the rules give it exactly one value.

Warning details start with the cell's dotted path (`applications.granted.total: …`).

Which cell a marked number became is found by parsing the text a second time with each
marked number replaced by a sentinel of its own: the parser stays blind to OCR.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
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
from govreports.model import ParseWarning
from indexer.extract import Extracted
from indexer.extract.ocr import LOW_CONFIDENCE, UNREAD
from indexer.parser import ParsedReport

_MARKED = re.compile(re.escape(LOW_CONFIDENCE) + r"[+\-]?\d[\d,.]*|" + re.escape(UNREAD))
_SENTINEL = 987_600_000  # far above any count a report prints; sentinel k is _SENTINEL + k
_MONEY_FACTORS = (1, 10_000)  # a sentinel under a 万元 header comes back multiplied
_TABLES = ("active", "applications", "appeals")
# An equation: cells (dotted paths) with coefficients whose sum is zero when the rule holds.
Equation = list[tuple[str, int]]


def settle(extracted: Extracted, parse: Callable[[Extracted], ParsedReport]) -> ParsedReport:
    """Parse `extracted` with its low-confidence numbers settled by the trust rule."""
    as_read = parse(replace(extracted, text=_as_read(extracted.text)))
    count = len(_MARKED.findall(extracted.text))
    if not count:
        return as_read
    numbering = iter(range(count))
    probe = _MARKED.sub(lambda _match: str(_SENTINEL + next(numbering)), extracted.text)
    probed = parse(replace(extracted, text=probe))
    doubtful = sorted(_sentinel_paths(probed, count))
    if not doubtful:
        return as_read
    cells = {path: value for table in _TABLES for path, value in _leaves(getattr(as_read, table), table)}
    settled, warnings = resolve(cells, doubtful)
    return _with_cells(as_read, settled, warnings)


def _as_read(text: str) -> str:
    """The text as OCR read it: marked numbers as read, unread cells blank."""
    return text.replace(LOW_CONFIDENCE, "").replace(UNREAD, "")


def _leaves(model: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if model is None:
        return
    stack: list[tuple[str, Any]] = [(prefix, model.model_dump())]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack += [(f"{path}.{key}", item) for key, item in value.items()]
        else:
            yield path, value


def _sentinel_paths(probed: ParsedReport, count: int) -> set[str]:
    found = set()
    for table in _TABLES:
        for path, value in _leaves(getattr(probed, table), table):
            if isinstance(value, int | float) and any(
                _SENTINEL <= value / factor < _SENTINEL + count for factor in _MONEY_FACTORS
            ):
                found.add(path)
    return found


def equations() -> list[Equation]:
    """The report's rules (report-model.md, consistency checks) as equations over cell paths."""
    rows: list[Equation] = []
    for row in APPLICATION_ROWS:
        base = f"applications.{row}"
        rows.append([*((f"{base}.{column}", 1) for column in APPLICANT_COLUMNS), (f"{base}.total", -1)])
    for column in APPLICATION_COLUMNS:
        cell = "applications.{}." + column
        rows.append([(cell.format("received"), 1), (cell.format("carried_over"), 1),
                     (cell.format("handled_total"), -1), (cell.format("carried_forward"), -1)])
        rows.append([*((cell.format(row), 1) for row in RESULT_ROWS), (cell.format("handled_total"), -1)])
        rows.append([*((cell.format(row), 1) for row in OTHER_SUB_ROWS), (cell.format("other"), -1)])
    for group in APPEAL_GROUPS:
        base = f"appeals.{group}"
        results = [result for result in APPEAL_RESULTS if result != "total"]
        rows.append([*((f"{base}.{result}", 1) for result in results), (f"{base}.total", -1)])
    return rows


def resolve(cells: dict[str, Any], doubtful: list[str]) -> tuple[dict[str, Any], list[ParseWarning]]:
    """The doubtful cells' values by the trust rule, and a warning for each cell repaired or nulled."""
    read = {path: cells.get(path) for path in doubtful}
    values = {**cells, **dict.fromkeys(doubtful)}
    unknown = set(doubtful)
    rules = [rule for rule in equations() if any(path in unknown for path, _ in rule)]
    progress = True
    while progress:
        progress = False
        for path, value in _solvable(values, unknown, rules).items():
            if value is not None and _plausible(value, read[path]):
                values[path] = value
                unknown.discard(path)
                progress = True
    warnings = []
    for path in doubtful:
        if path in unknown:
            warnings.append(ParseWarning(
                code="ocr_low_confidence",
                detail=f"{path}: read {read[path]!r} without confidence and no single value keeps "
                "the report's rules; left empty",
            ))
        elif values[path] != read[path]:
            warnings.append(ParseWarning(
                code="ocr_repaired",
                detail=f"{path}: read {read[path]!r} without confidence; {values[path]!r} is the one "
                "value that keeps the report's rules",
            ))
    return {path: values[path] for path in doubtful}, warnings


def _solvable(values: dict[str, Any], unknown: set[str], rules: list[Equation]) -> dict[str, int | None]:
    """For each unknown cell that some rule leaves as its one unknown: the value all such rules
    give it, or None when they disagree (or a needed cell is empty)."""
    found: dict[str, int | None] = {}
    for rule in rules:
        missing = [(path, coefficient) for path, coefficient in rule if path in unknown]
        known: list[Any] = [values.get(path) for path, _ in rule if path not in unknown]
        if len(missing) != 1 or any(value is None for value in known):
            continue
        if any(path not in values for path, _ in rule):
            continue  # a cell of another template: not in this report
        path, coefficient = missing[0]
        weights = [weight for other, weight in rule if other not in unknown]
        total = sum(int(known_value) * weight for weight, known_value in zip(weights, known, strict=True))
        value = -total * coefficient  # coefficient is ±1
        previous = found.get(path, value)
        found[path] = value if previous == value else None
    return found


def _plausible(value: int, read: Any) -> bool:
    """The rules' value is the reading, or the reading with one digit read wrong (or none read)."""
    if value < 0:
        return False
    if read is None or value == read:
        return True
    shown, wanted = str(read), str(value)
    return len(shown) == len(wanted) and sum(a != b for a, b in zip(shown, wanted, strict=True)) == 1


def _with_cells(parsed: ParsedReport, settled: dict[str, Any], warnings: list[ParseWarning]) -> ParsedReport:
    updates: dict[str, Any] = {}
    for table in _TABLES:
        model = getattr(parsed, table)
        mine = {path: value for path, value in settled.items() if path.split(".", 1)[0] == table}
        if model is None or not mine:
            continue
        dump = model.model_dump()
        for path, value in mine.items():
            *parents, leaf = path.split(".")[1:]
            node = dump
            for part in parents:
                node = node[part]
            node[leaf] = value
        updates[table] = type(model).model_validate(dump)
    return replace(parsed, **updates, warnings=[*parsed.warnings, *warnings])
