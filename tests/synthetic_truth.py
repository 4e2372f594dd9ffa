"""How a parse of a synthetic document differs from the report it was rendered from: shared by
the property test and the OCR tests."""

from __future__ import annotations

import math
import re
from typing import Any

from govreports.model import ParseWarning, Report
from indexer.synthetic import SyntheticReport


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Nested model dumps as {dotted.path: leaf}, so a mismatch names its cell."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{path}.{key}" if path else key))
        return out
    return {path: value}


def cells(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("active", "applications", "appeals"):
        table = getattr(report, part)
        out.update(flatten(table.model_dump() if table else {}, part))
    return out


_PATH = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*")


def named_paths(warnings: list[ParseWarning]) -> list[tuple[str, ...]]:
    """The dotted path each warning names: its detail up to the first ':'."""
    out = []
    for warning in warnings:
        head = warning.detail.split(":", 1)[0].strip()
        if ":" in warning.detail and _PATH.fullmatch(head):
            out.append(tuple(head.split(".")))
    return out


def is_named(path: str, named: list[tuple[str, ...]]) -> bool:
    parts = tuple(path.split("."))
    return any(parts[: len(prefix)] == prefix for prefix in named)


def _same(a: Any, b: Any) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9))


def differences(parsed: Report, synthetic: SyntheticReport, *, strict: bool) -> list[str]:
    """What the parse got wrong. `strict`: every cell exact; else a cell may be null when a
    warning names it (a quirk may make a cell unreadable, never make it another number)."""
    truth = synthetic.truth
    named = named_paths(parsed.warnings)
    got, want = cells(parsed), cells(truth)
    found: list[str] = []
    nulled = False
    for key in sorted(set(got) | set(want)):
        a, b = got.get(key), want.get(key)
        if _same(a, b):
            continue
        nulled = nulled or a is None
        if a is None and not strict and is_named(key, named):
            continue
        reason = "null, no warning names it" if a is None and not strict else f"parsed {a!r}"
        found.append(f"{key}: {reason}, rendered {b!r}")
    if not nulled:  # a nulled cell legitimately makes its rules null
        rules = {check.rule: check.passed for check in parsed.checks}
        expected = {check.rule: check.passed for check in truth.checks}
        if rules != expected:
            found.append(f"checks: parsed {rules}, expected {expected}")
        if parsed.consistent != truth.consistent:
            found.append(f"consistent: parsed {parsed.consistent}, expected {truth.consistent}")
    return found + identity_differences(parsed, synthetic)


def identity_differences(parsed: Report, synthetic: SyntheticReport) -> list[str]:
    truth = synthetic.truth
    found = [
        f"{key}: parsed {getattr(parsed, key)!r}, expected {getattr(truth, key)!r}"
        for key in ("template", "year", "office")
        if getattr(parsed, key) != getattr(truth, key)
    ]
    if parsed.title not in synthetic.titles:
        found.append(f"title: parsed {parsed.title!r}, expected one of {synthetic.titles}")
    certain = synthetic.certain_region
    named = named_paths(parsed.warnings)
    for part in ("province", "city", "county"):
        a, b = getattr(parsed.region, part), getattr(certain, part)
        if a != b and not (a is None and is_named(f"region.{part}", named)):
            found.append(
                f"region.{part}: parsed {a!r}, expected {b!r}" + (" (no warning)" if a is None else "")
            )
    return found
