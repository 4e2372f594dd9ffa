"""The parser's reading of every form of tests/files/title_forms.json (the crawler's tests read it too)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from indexer.extract import html
from indexer.parser import identity

FORMS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "files" / "title_forms.json").read_text(encoding="utf-8")
)["forms"]


@pytest.mark.parametrize("form", FORMS, ids=[form["form"] for form in FORMS])
def test_the_parser_reads_each_title_form(form: dict[str, Any]) -> None:
    lines = form["text"].split("\n")
    found = identity.find_title(lines, len(lines), form.get("hint"))
    if form["title"] is None:
        assert found is None
        return
    assert found is not None
    title = "".join(form["title"].split())
    assert (found.title, found.office, found.year) == (title, form["office"], form["year"])


def test_every_kind_of_form_is_covered() -> None:
    kinds = " ".join(form["form"] for form in FORMS)
    for kind in ("year first", "Chinese-numeral", "brackets", "two lines", "spaces", "metadata", "H1"):
        assert kind in kinds
    assert sum(form["form"].startswith("negative") for form in FORMS) >= 5
    assert {form["listing"] for form in FORMS} == {True, False}


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        (
            '<table><tr><td class="biaoti">柞水县2015年政府信息公开工作年度报告</td></tr></table>',
            "柞水县2015年政府信息公开工作年度报告",
        ),
        (
            '<div class="article-title">某局政府信息公开工作年度报告（2022年）</div><h2>相关报告</h2>',
            "某局政府信息公开工作年度报告（2022年）",
        ),
        ('<h1>开阳县2018年政府信息公开工作年度报告</h1><div class="title">栏目报告</div>', None),
    ],
)
def test_the_pages_title_element_is_its_heading(body: str, hint: str | None) -> None:
    page = html.parse(f"<html><head><title>某县人民政府门户网站</title></head><body>{body}</body></html>")
    assert html.title_hint(page) == (hint or "开阳县2018年政府信息公开工作年度报告")


@pytest.mark.timeout(10)
def test_many_title_elements_are_not_all_read() -> None:
    page = html.parse(
        "<html><head><title>某县人民政府</title></head><body>"
        + '<div class="title">通知公告</div>' * 50_000
        + '<div class="title">某县2015年政府信息公开工作年度报告</div></body></html>'
    )
    started = time.process_time()
    assert html.title_hint(page) == "某县人民政府"  # past the first few, title elements are not read
    assert time.process_time() - started < 3
