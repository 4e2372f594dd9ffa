"""Expected values in the format of `shared/spec/expected/`, compared the way check_seeds.py does.

Only the keys the expected JSON gives are compared; floats within 0.01, strings
whitespace-insensitively, `office_contains` as a substring of the office. An optional
`"warnings"` list names warning codes the parse must have left.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def _lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return "<absent>"
        obj = obj[part]
    return obj


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        number = isinstance(got, int | float) and not isinstance(got, bool)
        return number and want is not None and abs(want - got) < 0.01
    if isinstance(want, str) and isinstance(got, str):
        return "".join(want.split()) == "".join(got.split())
    return bool(want == got and type(want) is type(got))


def mismatches(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """One line per expected value the parse (`got`, a JSON-mode dump) got wrong."""
    found: list[str] = []
    values = {key: value for key, value in expected.items() if key != "warnings"}
    for key, want in _flatten(values):
        if key == "office_contains":
            if want not in "".join((got.get("office") or "").split()):
                found.append(f"office: want it to contain {want!r}, got {got.get('office')!r}")
            continue
        have = _lookup(got, key)
        if not _same(want, have):
            found.append(f"{key}: want {want!r}, got {have!r}")
    codes = {warning["code"] for warning in got.get("warnings", [])}
    found += [
        f"warnings: no {code!r} among {sorted(codes)}"
        for code in expected.get("warnings", [])
        if code not in codes
    ]
    return found
