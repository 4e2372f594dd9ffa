"""A report as an Elasticsearch document, and back.

The document is ``Report.model_dump(mode="json")`` with the free-text fields held in
segmented form (jieba tokens joined by U+2009, see ``indexer.segment``), so the
``whitespace`` analyzer indexes words; everything else, ``office`` included, is the
original value. ``from_document`` undoes the segmentation, so a report survives the
round trip unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govreports.model import Report
from indexer.segment import segment, unsegment

SEGMENTED_SECTIONS: tuple[str, ...] = ("overview", "problems", "other")
# Dotted paths of every segmented field, for queries and highlighting.
SEGMENTED_FIELDS: tuple[str, ...] = ("title", "text", *(f"sections.{name}" for name in SEGMENTED_SECTIONS))


def _convert_text_fields(document: dict[str, Any], convert: Callable[[str], str]) -> dict[str, Any]:
    converted = dict(document)
    for key in ("title", "text"):
        if converted.get(key) is not None:
            converted[key] = convert(converted[key])
    if converted.get("sections") is not None:
        sections = converted["sections"].items()
        converted["sections"] = {name: convert(value) if value else value for name, value in sections}
    return converted


def to_document(report: Report) -> dict[str, Any]:
    """The _source to index for `report`."""
    return _convert_text_fields(report.model_dump(mode="json"), segment)


def from_document(source: dict[str, Any]) -> Report:
    """The report of an indexed _source (segmentation removed)."""
    return Report.model_validate(_convert_text_fields(source, unsegment))
