"""`QueryModel` reads and documents query parameters exactly as FastAPI's `Annotated[Model, Query()]` does."""

# No `from __future__ import annotations`: the routes below are built per model, and FastAPI
# must read their annotations as objects, not as strings naming a local variable.
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel

from search_api.errors import install_error_handlers
from search_api.params import QueryModel
from search_api.query import ExportParams, SearchParams, StatsParams
from search_api.testing import in_process

MODELS: list[type[BaseModel]] = [SearchParams, StatsParams, ExportParams]


def _apps(model: type[BaseModel]) -> tuple[FastAPI, FastAPI]:
    """The same route twice: parameters read by FastAPI, and by `QueryModel`."""
    reader = QueryModel(model)
    by_fastapi, by_reader = FastAPI(), FastAPI()
    for app in (by_fastapi, by_reader):
        install_error_handlers(app)

    @by_fastapi.get("/echo")
    async def echo_fastapi(params: Annotated[model, Query()]) -> dict[str, Any]:  # type: ignore[valid-type]
        return params.model_dump(mode="json")  # type: ignore[no-any-return,attr-defined]

    @by_reader.get("/echo", openapi_extra=reader.openapi())
    async def echo_reader(params: Annotated[model, Depends(reader)]) -> dict[str, Any]:  # type: ignore[valid-type]
        return params.model_dump(mode="json")  # type: ignore[no-any-return,attr-defined]

    return by_fastapi, by_reader


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_openapi_parameters_are_fastapis(model: type[BaseModel]) -> None:
    by_fastapi, by_reader = _apps(model)
    expected = by_fastapi.openapi()["paths"]["/echo"]["get"]["parameters"]
    assert by_reader.openapi()["paths"]["/echo"]["get"]["parameters"] == expected


QUERIES = [
    "",
    "q=公开&year=2021&year=2022&province=湖北省&sort=-lawsuits",
    "year=2021",
    "consistent=false&min_applications_received=10&page=3&size=50",
    "sort=+lawsuits",
    "sort=%2Blawsuits",
    "q=a&q=b",  # a scalar given twice: the last one
    "page=0",
    "page=2&page=x",
    "year=1900&year=2022",
    "year_from=2023&year_to=2020",
    "min_lawsuits=5&max_lawsuits=1",
    "unknown=1",
    "unknown=1&unknown=2",
    "level=township&level=nowhere",
    "year_from=",
    "consistent=maybe",
    "page=500&size=100",
]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("query", QUERIES)
def test_values_and_errors_are_fastapis(model: type[BaseModel], query: str) -> None:
    by_fastapi, by_reader = _apps(model)
    with in_process(by_fastapi) as api:
        expected = api.get(f"/echo?{query}")
    with in_process(by_reader) as api:
        answer = api.get(f"/echo?{query}")
    assert (answer.status_code, answer.json()) == (expected.status_code, expected.json())
