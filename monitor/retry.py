"""When a failed webhook delivery is tried again, and when it is given up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    # 30 s, 1 min, 2 min, … capped at 1 h: a receiver that is briefly down gets its event
    # within a minute, one that is down for a day is not hammered.
    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    # A delivery still failing this long after it was created is marked expired.
    expire_after: timedelta = timedelta(days=3)

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1-based)."""
        if attempts < 1:
            return timedelta(0)
        # The exponent is capped so a delivery retried for weeks cannot overflow the float.
        seconds = self.first_delay.total_seconds() * self.factor ** min(attempts - 1, 64)
        return timedelta(seconds=min(seconds, self.max_delay.total_seconds()))

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        return now + self.delay_after(attempts)

    def expires_at(self, created_at: datetime) -> datetime:
        return created_at + self.expire_after
