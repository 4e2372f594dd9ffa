"""Response bodies of the JSON API, as pydantic models (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from govreports.model import Region, Totals

FacetValue = bool | int | str


class FacetEntry(BaseModel):
    value: FacetValue
    count: int = Field(description="reports this value would give, with every other filter applied")
    selected: bool


class Hit(BaseModel):
    id: str
    title: str | None
    office: str | None
    region: Region
    year: int | None
    published_date: date | None
    source_url: str | None
    totals: Totals
    consistent: bool | None
    highlight: list[str] = Field(description="fragments of the report's text, matches marked <em>…</em>")


class SearchResponse(BaseModel):
    total: int
    took_ms: int
    hits: list[Hit]
    facets: dict[str, list[FacetEntry]]


class StatsGroup(BaseModel):
    value: FacetValue
    count: int = Field(description="reports in the group")
    totals: dict[str, float | int | None] = Field(
        description=(
            "per totals key, the sum over the group's reports that give it (null when none does); "
            "grant_rate is Σgranted / Σapplications_handled over the reports that have a grant rate"
        )
    )


class StatsResponse(BaseModel):
    group_by: str
    total: int = Field(description="reports matching the filters")
    groups: list[StatsGroup]


class ElasticsearchHealth(BaseModel):
    reachable: bool
    status: str | None = Field(None, description="cluster health: green, yellow or red")
    index: str
    index_exists: bool | None = None
    documents: int | None = None


class Health(BaseModel):
    status: str = Field(description="ok, or unavailable when Elasticsearch does not answer")
    elasticsearch: ElasticsearchHealth


class ErrorBody(BaseModel):
    error: str
    detail: Any = None
