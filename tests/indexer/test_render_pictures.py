"""The generator's pages whose tables are pictures: one picture per table, where the table stood."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from indexer.extract import html
from indexer.synthetic import random_report
from indexer.synthetic.render_pictures import html_with_table_pictures
from indexer.synthetic.render_scan import ScanStyle


@pytest.mark.parametrize(("template", "rulings"), [("2019", True), ("2021", False)])
def test_each_table_becomes_a_picture_where_it_stood(template: str, rulings: bool) -> None:
    report = random_report(random.Random(3), template=template)  # type: ignore[arg-type]
    style = ScanStyle(dpi=150, rulings=rulings, jpeg_quality=80)
    page, pictures = html_with_table_pictures(report, style, seed=3, source=lambda name: f"t/{name}.jpg")

    assert list(pictures) == ["t/active.jpg", "t/applications.jpg", "t/appeals.jpg"]
    text = html.extract(page).text
    assert "\t" not in text  # no table left in the page's own text
    assert "二、主动公开政府信息情况" in text  # the headings and narrative stay text
    assert html.article_image_sources(page) == list(pictures)
    for data in pictures.values():
        picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None
        height, width = picture.shape[:2]
        assert abs(width - 595 * 150 / 72) <= 2  # an A4 page's width, cropped to the table's height
        assert 50 < height < 3 * width


def test_a_report_without_tables_is_its_page_alone() -> None:
    report = random_report(random.Random(4), template="2021", narrative_only=True)
    page, pictures = html_with_table_pictures(report, ScanStyle())
    assert pictures == {}
    assert html.article_image_sources(page) == []
