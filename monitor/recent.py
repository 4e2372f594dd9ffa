"""Reports by when they were first seen, newest first: the query behind /api/new and /feed.atom.

Pure: parameters in, an Elasticsearch request body out. The filters are those of
/api/search (`SearchFilters`, keywords included), applied as filters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from monitor.clock import es_date
from monitor.summaries import SUMMARY_FIELDS, ReportSummary
from search_api.query import MAX_PAGE_SIZE, MAX_WINDOW, SearchFilters, build_query

FEED_SIZE = 50
# "2025-01-31T08:00:00 08:00": a "+" left unencoded in a query string arrives as a space.
_DECODED_PLUS = re.compile(r"(T[\d:.]+) (\d{2}:?\d{2})$")


def _restore_plus(value: object) -> object:
    if isinstance(value, str):
        return _DECODED_PLUS.sub(r"\1+\2", value.strip())
    return value


def _as_utc(moment: datetime) -> datetime:
    # An instant without an offset is read as UTC, as every date in the index is.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Instant = Annotated[datetime, BeforeValidator(_restore_plus), AfterValidator(_as_utc)]


class NewParams(SearchFilters):
    since: Instant = Field(description="ISO-8601 instant; reports first seen after it (UTC when no offset)")
    page: int = Field(1, ge=1, description="1-based")
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    @model_validator(mode="after")
    def _within_result_window(self) -> Self:
        if self.page * self.size > MAX_WINDOW:
            raise ValueError(f"page × size may not exceed {MAX_WINDOW}; ask with a later `since` instead")
        return self


class FeedParams(SearchFilters):
    since: Instant | None = Field(None, description="only reports first seen after this instant")
    size: int = Field(FEED_SIZE, ge=1, le=MAX_PAGE_SIZE, description="entries in the feed")


class NewResponse(BaseModel):
    since: datetime
    total: int = Field(description="reports first seen after `since` that match the filters")
    hits: list[ReportSummary] = Field(description="newest first (by first_seen_at)")


def build_recent_body(
    filters: SearchFilters, since: datetime | None, *, start: int, size: int
) -> dict[str, Any]:
    """Matching reports first seen after `since` (any that has a first-seen time when None), newest first."""
    seen: dict[str, Any] = {"exists": {"field": "first_seen_at"}}
    if since is not None:
        seen = {"range": {"first_seen_at": {"gt": es_date(since)}}}
    return {
        "query": {"bool": {"filter": [build_query(filters), seen]}},
        "sort": [{"first_seen_at": {"order": "desc"}}, {"id": {"order": "asc"}}],
        "from": start,
        "size": size,
        "_source": SUMMARY_FIELDS,
        "track_total_hits": True,
    }


def filters_of(params: SearchFilters) -> SearchFilters:
    """Only the search filters of a parameter object (no since, page or size)."""
    return SearchFilters.model_validate(params.model_dump(include=set(SearchFilters.model_fields)))
