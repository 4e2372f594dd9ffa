from datetime import timedelta

import pytest

from monitor.durations import parse_duration
from monitor.errors import InvalidDuration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("6h", timedelta(hours=6)),
        ("1d", timedelta(days=1)),
        ("45s", timedelta(seconds=45)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 6H ", timedelta(hours=6)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_reads_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "h6", "-1h", "0m", "6h junk", "1h-30m"])
def test_refuses_what_is_not_a_positive_duration(text: str) -> None:
    with pytest.raises(InvalidDuration, match="duration"):
        parse_duration(text)
