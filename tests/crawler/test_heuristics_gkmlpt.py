"""Reading the Guangdong gkmlpt platform: column URLs, the SID, the item API, detail configs. Pure."""

from __future__ import annotations

import json
import time

import pytest

from crawler.heuristics.gkmlpt import (
    MAX_API_PAGES,
    MAX_JSON_CHARS,
    ApiPage,
    api_page,
    api_url,
    category_of,
    column_urls,
    config_attachments,
    is_index_url,
    later_pages,
    site_id,
)
from crawler.heuristics.links import Link

HOST = "https://www.gz.gov.cn"
COLUMN = f"{HOST}/gzjy/gkmlpt/index#2639"
API = f"{HOST}/gzjy/gkmlpt/api/all/2639?page=1&sid=200001"


@pytest.mark.parametrize(
    ("url", "category"),
    [
        (COLUMN, "2639"),
        (f"{HOST}/gkmlpt/index#5", "5"),
        (f"{HOST}/gkmlpt/index.html#88", "88"),
        (f"{HOST}/gzjy/gkmlpt/index", None),  # the column page without a column
        (f"{HOST}/gzjy/gkmlpt/index#top", None),
        (f"{HOST}/gzjy/gkmlpt/content/9/9876/post_9876543.html#2639", None),
        (f"{HOST}/xxgk/index.html#2639", None),
    ],
)
def test_a_column_is_the_index_page_with_a_category(url: str, category: str | None) -> None:
    assert category_of(url) == category


@pytest.mark.parametrize(
    ("url", "expected"),
    [(f"{HOST}/gzjy/gkmlpt/index", True), (COLUMN, True), (f"{HOST}/gzjy/gkmlpt/api/all/2639", False)],
)
def test_the_index_page_is_known_with_or_without_its_category(url: str, expected: bool) -> None:
    assert is_index_url(url) is expected


def test_only_report_columns_are_taken_from_a_page_with_their_category() -> None:
    html = (
        '<ul><li><a href="/gzjy/gkmlpt/index#2639">政府信息公开年报</a></li>'
        '<li><a href="/gzjy/gkmlpt/index#2640">通知公告</a></li>'
        '<li><a href="/gzjy/gkmlpt/index">政府信息公开目录</a></li>'
        '<li><a href="/zfxxgk/zfxxgknb/">政府信息公开年报</a></li></ul>'
    )

    assert column_urls(html, f"{HOST}/gzjy/") == [COLUMN]


@pytest.mark.parametrize(
    ("script", "sid"),
    [
        ("<script>window._CONFIG = {SID: '200001', CATALOG: 1};</script>", "200001"),
        ('<script>window._CONFIG = {"SID":"755031"};</script>', "755031"),
        ("<script>var SID = 'gz_jy';</script>", "gz_jy"),
        ("<script>window._CONFIG = {SITE: 1};</script>", None),
    ],
)
def test_the_sid_is_read_from_the_script_config(script: str, sid: str | None) -> None:
    assert site_id(f"<html><head>{script}</head><body></body></html>") == sid


def test_the_api_url_keeps_the_department_prefix() -> None:
    assert api_url(COLUMN, 3, "200001") == f"{HOST}/gzjy/gkmlpt/api/all/2639?page=3&sid=200001"
    with pytest.raises(ValueError, match="not a gkmlpt column"):
        api_url(f"{HOST}/gzjy/gkmlpt/index", 1, "200001")


def test_an_api_answer_gives_its_items_as_dated_links() -> None:
    answer = json.dumps(
        {
            "articles": [
                {"id": 1, "title": "广州市教育局2022年政府信息公开工作年度报告",
                 "url": "/gzjy/gkmlpt/content/8/8790/post_8790123.html#2639",
                 "first_publish_time": 1675040400},
                {"id": 2, "title": "关于印发工作要点的通知",
                 "url": f"{HOST}/gzjy/gkmlpt/content/8/8790/mpost_8790124.html"},
                {"id": 3, "title": None, "url": "/x"},
                "not an article",
            ],
            "total": 42,
        },
        ensure_ascii=False,
    )

    assert api_page(answer, API) == ApiPage(
        links=[
            Link(f"{HOST}/gzjy/gkmlpt/content/8/8790/post_8790123.html",
                 "广州市教育局2022年政府信息公开工作年度报告", "2023-01-30"),
            Link(f"{HOST}/gzjy/gkmlpt/content/8/8790/mpost_8790124.html", "关于印发工作要点的通知", None),
        ],
        total=42,
    )


@pytest.mark.parametrize("text", ["", "<html>404</html>", "[1, 2]", '{"total": 3}', '{"articles": "x"}'])
def test_what_is_not_the_api_json_is_no_page(text: str) -> None:
    assert api_page(text, API) is None


@pytest.mark.parametrize(
    ("shown", "total", "pages"),
    [(10, 42, range(2, 6)), (10, 10, range(0)), (0, 42, range(0)), (1, 10**9, range(2, MAX_API_PAGES + 1))],
)
def test_later_pages_follow_the_total_at_the_first_pages_size(shown: int, total: int, pages: range) -> None:
    links = [Link(f"{HOST}/{index}", "t", None) for index in range(shown)]

    assert later_pages(ApiPage(links, total)) == pages


def test_a_detail_page_names_its_attachments_in_its_config() -> None:
    config = {
        "SID": "200001",
        "DETAIL": {
            "title": "2022年政府信息公开工作年度报告",
            "attachment": [
                {"name": "2022年政府信息公开工作年度报告.pdf", "url": "/gzjy/attachment/8/8790/8790123.pdf"},
                {"name": "附件.docx", "url": f"{HOST}/gzjy/attachment/8/8790/download?id=5"},
                {"name": "图片", "url": "/gzjy/attachment/8/8790/pic.jpg"},
            ],
        },
    }
    script = f"<script>window._CONFIG = {json.dumps(config, ensure_ascii=False)};</script>"
    html = f"<html><head>{script}</head></html>"
    page = f"{HOST}/gzjy/gkmlpt/content/8/8790/post_8790123.html"

    found = config_attachments(html, page)

    assert [(item.url, item.format) for item in found] == [
        (f"{HOST}/gzjy/attachment/8/8790/8790123.pdf", "pdf"),
        (f"{HOST}/gzjy/attachment/8/8790/download?id=5", "docx"),
        # A picture is a document too (a scanned report); the spider follows it only with OCR on.
        (f"{HOST}/gzjy/attachment/8/8790/pic.jpg", "image"),
    ]


@pytest.mark.parametrize(
    "html",
    [
        "<html><body>no config</body></html>",
        "<script>window._CONFIG = {SID: '1'};</script>",  # a script object, not JSON
        "<script>window._CONFIG = {\"a\": [1, 2</script>",
    ],
)
def test_a_page_without_a_json_config_has_no_config_attachments(html: str) -> None:
    assert config_attachments(html, f"{HOST}/x/post_1.html") == []


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "hostile",
    [
        "window._CONFIG = " + "[" * 200_000,  # nesting past the recursion limit
        "window._CONFIG = {" + '"url": "/a.pdf", ' * 200_000 + "}",
        "window._CONFIG = " + json.dumps([[{"url": f"/{index}.pdf"}] for index in range(100_000)]),
        "SID" * 300_000,
        "window._CONFIG = " * 300_000,
    ],
)
def test_hostile_pages_are_read_in_bounded_time(hostile: str) -> None:
    started = time.process_time()

    site_id(hostile)
    found = config_attachments(hostile, f"{HOST}/post_1.html")
    api_page(hostile, API)

    assert len(found) <= 20_000
    assert time.process_time() - started < 5


@pytest.mark.timeout(10)
def test_an_oversized_or_deep_api_answer_is_refused_quickly() -> None:
    started = time.process_time()

    assert api_page(" " * (MAX_JSON_CHARS + 1) + "{}", API) is None
    assert api_page("[" * 500_000, API) is None
    assert time.process_time() - started < 5
