"""Reading 大汉 JCMS columns: records hidden in a datastore script, more records from the feed. Pure."""

from __future__ import annotations

from pathlib import Path

from crawler.heuristics.jcms import FeedRequest, feed_requests, record_html
from crawler.heuristics.links import page_links

FILES = Path(__file__).parents[1] / "files"
COLUMN = "https://sft.zj.gov.cn/col/col1229671105/index.html"
FEED = "https://sft.zj.gov.cn/module/web/jpage/dataproxy.jsp"
FORM = {
    "webid": "2747",
    "path": "/",
    "columnid": "1229671105",
    "unitid": "6325023",
    "webname": "浙江省司法厅",
    "permissiontype": "0",
    "col": "1",
    "appid": "1",
}


def column_page() -> str:
    return (FILES / "jcms" / "col1229671105.html").read_text(encoding="utf-8")


def test_the_datastore_records_are_links_an_html_parser_misses() -> None:
    html = column_page()

    assert not [link for link in page_links(html, COLUMN) if "/art/" in link.url]
    found = page_links(record_html(html), COLUMN)
    assert [(link.url, link.text, link.date) for link in found] == [
        (
            "https://sft.zj.gov.cn/art/2023/1/30/art_1229671105_58952031.html",
            "浙江省司法厅2022年政府信息公开工作年度报告",
            "2023-01-30",
        ),
        (
            "https://sft.zj.gov.cn/art/2022/1/28/art_1229671105_58941101.html",
            "浙江省司法厅2021年政府信息公开工作年度报告",
            "2022-01-28",
        ),
    ]


def test_the_records_not_shown_are_asked_of_the_feed_three_pages_at_a_time() -> None:
    # 7 records, 2 a page, 2 shown: records 3-7 in groups of 3 pages (6 records).
    assert feed_requests(column_page(), COLUMN) == [
        FeedRequest(f"{FEED}?startrecord=3&endrecord=7&perpage=2", FORM),
    ]


def test_a_long_column_takes_as_many_requests_as_its_records_need() -> None:
    html = column_page().replace("totalRecord: '7'", "totalRecord: '20'")

    assert [request.url.split("?")[1] for request in feed_requests(html, COLUMN)] == [
        "startrecord=3&endrecord=8&perpage=2",
        "startrecord=9&endrecord=14&perpage=2",
        "startrecord=15&endrecord=20&perpage=2",
    ]


def test_a_feed_answer_gives_records_and_asks_for_nothing_more() -> None:
    answer = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2021/1/29/art_1229671105_1.html">2020年年报</a></li>]]></record>'
        "</recordset></datastore>"
    )

    assert [link.url for link in page_links(record_html(answer), FEED)] == [
        "https://sft.zj.gov.cn/art/2021/1/29/art_1229671105_1.html"
    ]
    assert feed_requests(answer, FEED) == []


def test_pages_without_a_datastore_are_left_alone() -> None:
    html = "<html><body><ul><li><a href='/a.html'>年报</a></li></ul><script>var totalRecord = 9;</script>"

    assert record_html(html) == ""
    assert feed_requests(html, COLUMN) == []
