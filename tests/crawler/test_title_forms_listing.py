"""The crawler's listing recogniser on every form of tests/files/title_forms.json (shared with the parser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.heuristics.titles import is_report_title, title_year

FORMS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "files" / "title_forms.json").read_text(encoding="utf-8")
)["forms"]


@pytest.mark.parametrize("form", FORMS, ids=[form["form"] for form in FORMS])
def test_the_listing_recogniser_takes_each_form_as_the_table_says(form: dict[str, Any]) -> None:
    assert is_report_title(form["text"]) is form["listing"]


LISTED = [form for form in FORMS if form["listing"]]


@pytest.mark.parametrize("form", LISTED, ids=[form["form"] for form in LISTED])
def test_a_listed_report_has_the_year_the_parser_reads(form: dict[str, Any]) -> None:
    assert title_year(form["text"]) == form["year"]
