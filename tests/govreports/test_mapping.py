"""The index definition maps exactly the fields of the report model, with fitting types."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from govreports.model import Report
from indexer.documents_es import SEGMENTED_FIELDS
from mappings import CURRENT_VERSION, load_index_definition

# What each Python type of the model may be mapped as.
ALLOWED_TYPES: dict[type, set[str]] = {
    int: {"integer", "long"},
    float: {"double", "float", "scaled_float"},
    bool: {"boolean"},
    date: {"date"},
    datetime: {"date"},
    str: {"keyword", "text"},
}


def _leaf_types(annotation: Any) -> list[Any]:
    """The non-None members of an annotation, with list[X] unwrapped to X."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [leaf for member in typing.get_args(annotation) for leaf in _leaf_types(member)]
    if origin in (list, typing.Annotated):  # Annotated: a validated type (model.Text) is its base type
        return _leaf_types(typing.get_args(annotation)[0])
    if origin is Literal:
        return [str]
    if annotation is type(None):
        return []
    return [annotation]


def model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, set[type]]:
    """Leaf fields of `model` by dotted path, with their types; union members (Active2019/2021) merge."""
    fields: dict[str, set[type]] = {}
    for name, info in model.model_fields.items():
        for leaf in _leaf_types(info.annotation):
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                for path, kinds in model_fields(leaf, f"{prefix}{name}.").items():
                    fields.setdefault(path, set()).update(kinds)
            else:
                fields.setdefault(f"{prefix}{name}", set()).add(leaf)
    return fields


def mapped_fields(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, spec in properties.items():
        if "properties" in spec:
            fields.update(mapped_fields(spec["properties"], f"{prefix}{name}."))
        else:
            fields[f"{prefix}{name}"] = spec["type"]
    return fields


@pytest.fixture(scope="module")
def mapping() -> dict[str, Any]:
    mappings: dict[str, Any] = load_index_definition(CURRENT_VERSION)["mappings"]
    return mappings


def test_every_model_field_is_mapped_and_nothing_else(mapping: dict[str, Any]) -> None:
    expected = set(model_fields(Report))
    mapped = set(mapped_fields(mapping["properties"]))
    assert sorted(expected - mapped) == [], "model fields missing from the mapping"
    assert sorted(mapped - expected) == [], "mapped fields the model lacks"


def test_model_walk_sees_both_templates_and_nested_lists() -> None:
    fields = model_fields(Report)
    for path in (
        "active.regulations.new_made",  # Active2019
        "active.regulations.in_force",  # Active2021
        "active.procurement.amount_yuan",
        "applications.other_misc.total",
        "appeals.litigation_after_review.pending",
        "provenance.listing_title",
        "revisions.content_sha256",
        "checks.passed",
        "warnings.code",
    ):
        assert path in fields


def test_mapped_types_fit_the_model(mapping: dict[str, Any]) -> None:
    mapped = mapped_fields(mapping["properties"])
    wrong = {
        path: (sorted(kind.__name__ for kind in kinds), mapped[path])
        for path, kinds in model_fields(Report).items()
        if not all(mapped[path] in ALLOWED_TYPES[kind] for kind in kinds)
    }
    assert wrong == {}


def test_mapping_is_strict(mapping: dict[str, Any]) -> None:
    assert mapping["dynamic"] == "strict"


def _spec(mapping: dict[str, Any], path: str) -> dict[str, Any]:
    spec = mapping
    for part in path.split("."):
        spec = spec["properties"][part]
    return spec


@pytest.mark.parametrize("path", SEGMENTED_FIELDS)
def test_segmented_fields_use_whitespace(mapping: dict[str, Any], path: str) -> None:
    assert _spec(mapping, path)["analyzer"] == "whitespace"


@pytest.mark.parametrize("path", ["title", "text"])
def test_title_and_text_have_a_standard_subfield_for_recall(mapping: dict[str, Any], path: str) -> None:
    assert _spec(mapping, path)["fields"]["std"]["analyzer"] == "standard"


def test_only_the_highlighted_fields_store_offsets(mapping: dict[str, Any]) -> None:
    with_offsets = [
        path for path in SEGMENTED_FIELDS if _spec(mapping, path).get("index_options") == "offsets"
    ]
    assert sorted(with_offsets) == ["text", "title"]
    assert all("index_options" not in _spec(mapping, path)["fields"]["std"] for path in ("title", "text"))


def test_the_highlighted_text_is_stored(mapping: dict[str, Any]) -> None:
    assert _spec(mapping, "text")["store"] is True


def test_mapping_version_matches_its_file(mapping: dict[str, Any]) -> None:
    assert mapping["_meta"]["govreports_mapping_version"] == CURRENT_VERSION


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("office", "keyword"),
        ("region.city", "keyword"),
        ("level", "keyword"),
        ("template", "keyword"),
        ("source_site", "keyword"),
        ("consistent", "boolean"),
        ("published_date", "date"),
    ],
)
def test_filter_fields_have_exact_types(mapping: dict[str, Any], path: str, kind: str) -> None:
    assert mapped_fields(mapping["properties"])[path] == kind


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no index definition for version 999"):
        load_index_definition(999)
