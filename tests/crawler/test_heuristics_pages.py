"""Page heuristics on saved pages (tests/files/<site>/): links, pagination, columns, attachments. No I/O
beyond reading the saved files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.heuristics.documents import (
    attachment_links,
    carries_report,
    choose_attachment,
    decodes_cleanly,
    page_text,
    sniff_format,
    url_format,
)
from crawler.heuristics.links import (
    Link,
    column_links,
    hub_links,
    listing_date,
    listing_key,
    looks_like_listing_url,
    page_links,
    same_site,
)
from crawler.heuristics.pagination import link_pages, pagination_urls, script_pages
from crawler.heuristics.titles import is_report_title

FILES = Path(__file__).parents[1] / "files"


def saved(name: str, encoding: str = "utf-8") -> str:
    return (FILES / name).read_bytes().decode(encoding)


def report_links(html: str, url: str) -> list[Link]:
    return [link for link in page_links(html, url) if is_report_title(link.text)]


# --- listings: which items are reports ------------------------------------------------

LISTINGS = [
    (
        "xialuqu/index.html",
        "utf-8",
        "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/",
        {
            "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/2021jdyc/202301/t20230117_983624.html",
            "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/2021jdyc/202301/t20230117_983622.html",
            "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/bmnb/202301/t20230116_983580.html",
        },
    ),
    (
        "yw/col1229134232.html",
        "utf-8",
        "https://www.yw.gov.cn/col/col1229134232/index.html",
        {
            "https://www.yw.gov.cn/art/2023/1/11/art_1229134232_4052272.html",
            "https://www.yw.gov.cn/art/2023/1/10/art_1229134232_4051988.html",
            "https://www.yw.gov.cn/art/2022/1/21/art_1229134232_3983000.html",
        },
    ),
    (
        "ccxi/ndbg.htm",
        "utf-8",
        "http://www.ccxi.gov.cn/xxgk/ndbg.htm",
        {"http://www.ccxi.gov.cn/info/1308/19381.htm", "http://www.ccxi.gov.cn/info/1308/19202.htm",
         "http://www.ccxi.gov.cn/info/1308/18800.htm"},
    ),
    (
        "chaoyang/1.html",
        "gb18030",
        "http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/1.html",
        {"http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/1906985018193408001.html",
         "http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/1906985041421463553.html"},
    ),
]


@pytest.mark.parametrize(("name", "encoding", "url", "reports"), LISTINGS, ids=[item[0] for item in LISTINGS])
def test_listing_reports_are_found_and_nothing_else(
    name: str, encoding: str, url: str, reports: set[str]
) -> None:
    assert {link.url for link in report_links(saved(name, encoding), url)} == reports


def test_truncated_listing_titles_are_read_from_the_title_attribute() -> None:
    links = report_links(saved("xialuqu/index.html"), "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/")
    assert links[0].text == "下陆区东方山街道办事处2022年政府信息公开工作年度报告"
    assert links[0].date == "2023-01-17"


def test_an_item_selector_narrows_the_links_taken() -> None:
    html, url = saved("yw/col1229134232.html"), "https://www.yw.gov.cn/col/col1229134232/index.html"
    in_list = page_links(html, url, selector="div.list td")
    assert len(in_list) == 4
    assert all("/art/" in link.url for link in in_list)


@pytest.mark.parametrize(
    ("text", "date"),
    [("下陆区财政局…2023-01-16", "2023-01-16"), ("[2023/1/5]", "2023-01-05"), ("2022年12月3日", "2022-12-03"),
     ("2023-13-40", None), ("无日期", None)],
)
def test_listing_dates(text: str, date: str | None) -> None:
    assert listing_date(text) == date


# --- pagination ---------------------------------------------------------------------------

PAGINATION = [
    (
        "xialuqu/index.html",
        "utf-8",
        "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/",
        ["http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/index.html"]
        + [f"http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/index_{page}.html" for page in range(1, 5)],
    ),
    (
        # createPageHTML('fanye', countPage, currentPage, 'index', 'shtml', 41) after `var countPage = 3`
        "xialuqu/variables.html",
        "utf-8",
        "http://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/index_1.shtml",
        ["http://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/index.shtml",
         "http://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/index_2.shtml"],
    ),
    (
        "yw/col1229134232.html",
        "utf-8",
        "https://www.yw.gov.cn/col/col1229134232/index.html",
        ["https://www.yw.gov.cn/col/col1229134232/index.html?uid=4052272&pageNum=2",
         "https://www.yw.gov.cn/col/col1229134232/index.html?uid=4052272&pageNum=3"],
    ),
    (
        "ccxi/ndbg.htm",
        "utf-8",
        "http://www.ccxi.gov.cn/xxgk/ndbg.htm",
        ["http://www.ccxi.gov.cn/xxgk/ndbg/2.htm", "http://www.ccxi.gov.cn/xxgk/ndbg/3.htm"],
    ),
    (
        "chaoyang/1.html",
        "gb18030",
        "http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/1.html",
        ["http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/2.html", "http://www.bjchy.gov.cn/zfxxgk/zfxxgknb/3.html"],
    ),
]


@pytest.mark.parametrize(
    ("name", "encoding", "url", "pages"), PAGINATION, ids=[item[0] for item in PAGINATION]
)
def test_pagination_is_found(name: str, encoding: str, url: str, pages: list[str]) -> None:
    html = saved(name, encoding)
    assert sorted(pagination_urls(html, page_links(html, url), url)) == sorted(pages)


@pytest.mark.parametrize(
    ("script", "pages"),
    [
        ('createPageHTML(3, 0, "index", "html");', ["index.html", "index_1.html", "index_2.html"]),
        ("createPageHTML( 2 ,1,'index','shtml')", ["index.shtml", "index_1.shtml"]),
        ('var countPage = 2; createPageHTML(countPage, currentPage, "list", "htm");',
         ["list.htm", "list_1.htm"]),
        ('createPageHTML(unknownVariable, 0, "index", "html");', []),
        ('createPageHTML(1, 0, "index", "html");', ["index.html"]),
        ("no pagination here", []),
    ],
)
def test_trs_script_pagination(script: str, pages: list[str]) -> None:
    page = "http://x.gov.cn/col/index_1.html"
    html = f"<html><body><script>{script}</script></body></html>"
    expected = [f"http://x.gov.cn/col/{name}" for name in pages if name != "index_1.html"]
    assert script_pages(html, page) == expected


def test_a_runaway_page_count_is_capped() -> None:
    html = '<script>createPageHTML(100000, 0, "index", "html");</script>'
    assert len(script_pages(html, "http://x.gov.cn/col/")) == 500


def test_page_links_stay_on_the_site_and_skip_javascript() -> None:
    links = [
        Link("http://other.gov.cn/list?page=2", "下一页", None),
        Link("http://x.gov.cn/col/list?page=2", "下一页", None),
        Link("http://x.gov.cn/col/list?page=3", "3", None),
        Link("http://x.gov.cn/col/art_1.html", "3", None),  # a number linking an article is not a page
    ]
    assert link_pages(links, "http://x.gov.cn/col/list") == [
        "http://x.gov.cn/col/list?page=2", "http://x.gov.cn/col/list?page=3"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x.gov.cn/zfxxgk/zfxxgknb/", True),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/index_3.html", True),
        ("http://x.gov.cn/xxgk/ndbg.jsp?page=2", True),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/2.html", True),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/202301/t20230117_3805557.html", False),
        ("http://x.gov.cn/art/2023/1/11/art_1229134232_4052272.html", False),
        ("http://x.gov.cn/zfxxgk/zfxxgknb/bmxxgknb/1906985018193408001.html", False),
    ],
)
def test_listing_urls_and_article_urls(url: str, expected: bool) -> None:
    assert looks_like_listing_url(url) is expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("http://www.x.gov.cn/a", "http://x.gov.cn/b", True),
        ("http://x.gov.cn/a", "http://y.gov.cn/a", False),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8002/", False),
    ],
)
def test_same_site(first: str, second: str, expected: bool) -> None:
    assert same_site(first, second) is expected


def test_a_listing_reached_as_folder_or_index_is_one_page() -> None:
    assert listing_key("http://x.gov.cn/col/index.html") == listing_key("http://x.gov.cn/col/")
    assert listing_key("http://x.gov.cn/col/index_1.html") != listing_key("http://x.gov.cn/col/")


# --- discovering the column from a home page --------------------------------------------------


def test_a_home_page_without_the_column_leads_to_the_hub() -> None:
    url = "http://www.kaiyang.gov.cn/"
    links = page_links(saved("kaiyang/index.html"), url)
    assert column_links(links, url) == []  # the province's 年报 link is another site
    assert [link.url for link in hub_links(links, url)] == ["http://www.kaiyang.gov.cn/zwgk/"]


def test_the_hub_links_the_column() -> None:
    url = "http://www.kaiyang.gov.cn/zwgk/"
    links = page_links(saved("kaiyang/zwgk.html"), url)
    assert [link.url for link in column_links(links, url)] == [
        "http://www.kaiyang.gov.cn/zwgk/zfxxgk/xxgknb_5784164/"
    ]


def test_sub_columns_and_year_folders_are_columns() -> None:
    url = "http://www.xialuqu.gov.cn/zwgk/xxgknb/2022n/"
    found = {link.url for link in column_links(page_links(saved("xialuqu/index.html"), url), url)}
    assert found == {"http://www.xialuqu.gov.cn/zwgk/xxgknb/"}  # sibling years are outside this folder
    yw = "https://www.yw.gov.cn/col/col1229134232/index.html"
    found = {link.url for link in column_links(page_links(saved("yw/col1229134232.html"), yw), yw)}
    assert found == {"https://www.yw.gov.cn/col/col1229134233/index.html",
                     "https://www.yw.gov.cn/col/col1229134234/index.html"}


# --- detail pages: the page itself, or an attachment ------------------------------------------


def test_a_page_carrying_the_report_is_the_report() -> None:
    html = saved("xialuqu/t20230117_983624.html")
    assert carries_report(page_text(html))


@pytest.mark.parametrize(
    ("name", "url", "chosen", "format"),
    [
        ("hbdaye/t20230130_986123.html", "http://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/202301/t20230130_986123.html",
         "http://www.hbdaye.gov.cn/zfxxgk/zfxxgkndbg/202301/P020230130400311874630.docx", "docx"),
        ("yw/art_1229134232_4052272.html", "https://www.yw.gov.cn/art/2023/1/11/art_1229134232_4052272.html",
         "https://www.yw.gov.cn/module/download/downfile.jsp?classid=0&filename=2301111650123456.docx",
         "docx"),
        # The viewer's file and the download link are the same PDF: the link its text names the report wins.
        ("ccxi/19381.htm", "http://www.ccxi.gov.cn/info/1308/19381.htm",
         "http://www.ccxi.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1608"
         "&wbfileid=10412345", "pdf"),
    ],
)
def test_a_stub_page_leads_to_its_attachment(name: str, url: str, chosen: str, format: str) -> None:
    html = saved(name)
    attachments = attachment_links(html, url)
    assert not carries_report(page_text(html))
    best = choose_attachment(attachments)
    assert best is not None
    assert (best.url, best.format) == (chosen, format)


def test_attachments_behind_viewers_and_download_scripts() -> None:
    url = "http://www.ccxi.gov.cn/info/1308/19381.htm"
    found = {(item.url, item.format) for item in attachment_links(saved("ccxi/19381.htm"), url)}
    assert found == {
        ("http://www.ccxi.gov.cn/__local/8/3A/2F/2022ndbg.pdf", "pdf"),  # pdf.js viewer?file=
        ("http://www.ccxi.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
         "&owner=1608&wbfileid=10412345", "pdf"),  # named by its link text only
    }


def test_no_attachment_no_choice() -> None:
    assert choose_attachment([]) is None


@pytest.mark.parametrize(
    ("data", "content_type", "url", "expected"),
    [
        (b"%PDF-1.7\n...", "application/octet-stream", "http://x/downfile.jsp?id=1", "pdf"),
        (b"PK\x03\x04....word/document.xml", "application/octet-stream", "http://x/a", "docx"),
        (b"PK\x03\x04....xl/workbook.xml", None, "http://x/a.xlsx", None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/kswps", "http://x/a.wps", "doc"),
        (b"{\\rtf1\\ansi\\ansicpg936", "text/plain", "http://x/a.doc", "doc"),
        (b"<!DOCTYPE html><html>", "text/html", "http://x/a.html", "html"),
        (b"  <html>", None, "http://x/a", "html"),
        (b"\x89PNG\r\n", "image/png", "http://x/a.png", None),
        (b"plain words", "text/plain; charset=utf-8", "http://x/a.txt", "txt"),
    ],
)
def test_document_format_from_its_bytes_first(data: bytes, content_type: str | None, url: str,
                                              expected: str | None) -> None:
    assert sniff_format(data, content_type, url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://x/a.PDF", "pdf"), ("http://x/a.wps", "doc"), ("http://x/%E5%B9%B4%E6%8A%A5.docx", "docx"),
     ("http://x/a.html", None)],
)
def test_url_format(url: str, expected: str | None) -> None:
    assert url_format(url) == expected


@pytest.mark.parametrize(
    ("body", "encoding", "expected"),
    [("年报".encode(), "utf-8", True), ("年报".encode("gbk"), "gb18030", True),
     (b"\xff\xfe bad", "utf-8", False), (b"\xff\xfe bad", "gb18030", False), (b"x", "no-such-codec", False)],
)
def test_decodes_cleanly(body: bytes, encoding: str, expected: bool) -> None:
    assert decodes_cleanly(body, encoding) is expected
