"""CSV lines for /api/export.csv: identity fields and totals, one report per row. Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from govreports.model import TOTAL_KEYS
from indexer.segment import unsegment

# Excel reads a UTF-8 file as the local code page unless it starts with a byte order mark.
BOM = "\ufeff"
IDENTITY_COLUMNS: tuple[str, ...] = (
    "id",
    "title",
    "office",
    "province",
    "city",
    "county",
    "level",
    "year",
    "published_date",
    "template",
    "consistent",
    "source_site",
    "source_url",
    "first_seen_at",
)
COLUMNS: tuple[str, ...] = (*IDENTITY_COLUMNS, *TOTAL_KEYS)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A spreadsheet would run "=…" as a formula; the quote keeps it text.
        return "'" + value
    return str(value)


def row(source: dict[str, Any]) -> list[str]:
    region = source.get("region") or {}
    totals = source.get("totals") or {}
    title = source.get("title")
    values: dict[str, Any] = {
        **{key: source.get(key) for key in IDENTITY_COLUMNS},
        "title": unsegment(title) if title else title,
        "province": region.get("province"),
        "city": region.get("city"),
        "county": region.get("county"),
        **{key: totals.get(key) for key in TOTAL_KEYS},
    }
    return [_cell(values[column]) for column in COLUMNS]


def lines(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def header() -> str:
    return BOM + lines([list(COLUMNS)])


def batch(sources: Iterable[dict[str, Any]]) -> str:
    return lines(row(source) for source in sources)
