"""Human durations for schedules: ``30m``, ``6h``, ``1d``, ``1h30m``, ``45s``."""

from __future__ import annotations

import re
from datetime import timedelta

from monitor.errors import InvalidDuration

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Read a positive duration made of number+unit parts (s, m, h, d, w), e.g. ``1h30m``."""
    compact = text.strip().lower().replace(" ", "")
    parts = _PART.findall(compact)
    # The parts must cover the whole text, or something like "6x" or "h6" slipped through.
    if not parts or "".join(number + unit for number, unit in parts) != compact:
        raise InvalidDuration(f"cannot read duration {text!r}: use forms like 30m, 6h, 1d or 1h30m")
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise InvalidDuration(f"duration {text!r} must be longer than zero")
    return timedelta(seconds=seconds)
