"""Missing reports: an office that published for year N−1 and, with evidence, not for year N.

`missing` only with evidence of absence, once year N's deadline plus a grace period has passed:
a report of the same office for a later year, or a successful crawl of its portal after that
day (which found nothing for N: what a crawl finds is indexed). Without evidence the status
is `unknown`: an unconfigured or failing portal never accuses an office.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from audit.deadlines import Deadline

MissingStatus = Literal["missing", "unknown"]


@dataclass(frozen=True)
class MissingYear:
    year: int
    status: MissingStatus
    deadline: date
    detail: str


def missing_years(
    years: Collection[int],
    deadline_of: Callable[[int], Deadline | None],
    *,
    today: date,
    grace_days: int,
    crawled_after: Callable[[date], date | None],
) -> list[MissingYear]:
    """The years after a published one that have no report and whose deadline + grace has passed.

    `crawled_after(day)` is the day of a successful crawl of the office's portal after `day`,
    or None when there was none (or the office has no portal).
    """
    published = set(years)
    found: list[MissingYear] = []
    for year in sorted(published):
        gap = year + 1
        deadline = deadline_of(gap)
        if gap in published or deadline is None:
            continue
        due = deadline.day + timedelta(days=grace_days)
        if today <= due:
            continue
        later = [other for other in published if other > gap]
        if later:
            detail = f"no report for {gap}, though the office published for {min(later)}"
            found.append(MissingYear(gap, "missing", deadline.day, detail))
        elif (crawled := crawled_after(due)) is not None:
            detail = f"no report for {gap}: a successful crawl of its portal on {crawled} found none"
            found.append(MissingYear(gap, "missing", deadline.day, detail))
        else:
            detail = f"no report for {gap} is known, and nothing shows it was not published"
            found.append(MissingYear(gap, "unknown", deadline.day, detail))
    return found
