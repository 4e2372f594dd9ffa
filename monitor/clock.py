"""The current instant, at the index's resolution.

Elasticsearch `date` fields keep milliseconds. Watermarks and window bounds are cut
to milliseconds before use, so a bound compares the same in Python and in a range
query, and consecutive windows (a, b], (b, c] never share or skip a report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def to_millis(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.replace(microsecond=aware.microsecond // 1000 * 1000)


def utc_now() -> datetime:
    return to_millis(datetime.now(UTC))


def es_date(moment: datetime) -> str:
    """An instant as Elasticsearch reads it back exactly (UTC, milliseconds)."""
    return to_millis(moment).astimezone(UTC).isoformat(timespec="milliseconds")
