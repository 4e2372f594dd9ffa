"""The spider's side of table pictures, step by step: which pictures a report page asks for, and
what the page is archived with. No network: responses are handed to the callbacks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from crawler.items import FetchedDocument
from crawler.sites import Site
from crawler.spider import ListingContext, ReportSpider
from indexer.extract.page_images import PageImage, unpack

PAGE_URL = "https://www.example.gov.cn/zwgk/2024/t1.html"
PNG = b"\x89PNG\r\n\x1a\n" + b"table" * 10
IMAGES = [
    "img/t1.png",  # relative: fetched
    "https://www.example.gov.cn/img/t2.png",  # the site's own host: fetched
    "https://img.example.gov.cn/t3.png",  # a sub-domain of the site: fetched
    "https://elsewhere.example.com/t4.png",  # another site: never asked for
    "http://169.254.169.254/latest/meta-data.png",  # nor an address of the crawler's own network
    "data:image/png;base64,iVBORw0KGgo=",  # inline: the page holds it already
    "javascript:void(0)",
    "img/t1.png",  # the same picture again: once
    "img/missing.png",  # fails: left out
    "img/page.png",  # answers with a web page, not a picture: left out
]


def _spider(ocr: bool) -> ReportSpider:
    spider = ReportSpider([Site(name="example", start_urls=["https://www.example.gov.cn/"])])
    spider.ocr = ocr
    return spider


def _page() -> HtmlResponse:
    images = "".join(f'<p><img src="{source}"></p>' for source in IMAGES)
    body = (
        '<html><body><div class="nav"><img src="/logo.png"></div><div class="article">'
        f"<p>一、总体情况</p><p>二、主动公开政府信息情况</p>{images}<p>三、收到和处理政府信息公开申请情况</p>"
        "</div></body></html>"
    ).encode()
    listing = ListingContext("https://www.example.gov.cn/", "", None)
    meta = {"site": "example", "role": "detail", "listing": listing, "original_url": PAGE_URL, "known": None}
    return HtmlResponse(PAGE_URL, body=body, encoding="utf-8", request=Request(PAGE_URL, meta=meta))


def _answer(request: Request) -> Response:
    if request.url.endswith("page.png"):
        return HtmlResponse(request.url, body=b"<html>not found</html>", request=request)
    return Response(request.url, body=PNG + request.url.encode(), request=request)


def _run(spider: ReportSpider, outputs: Iterable[Any]) -> tuple[list[Request], list[FetchedDocument]]:
    """Follow the picture requests to the end: (requests made, documents yielded)."""
    asked: list[Request] = []
    documents: list[FetchedDocument] = []
    pending = list(outputs)
    while pending:
        output = pending.pop(0)
        if isinstance(output, FetchedDocument):
            documents.append(output)
            continue
        if not isinstance(output, Request):
            continue
        asked.append(output)
        if output.url.endswith("missing.png"):
            failure = Failure(IgnoreRequest("HTTP 404"))  # type: ignore[no-untyped-call]
            failure.request = output  # type: ignore[attr-defined]
            pending += list(spider.picture_failed(failure))
        else:
            pending += list(spider.parse_picture(_answer(output)))
    return asked, documents


def test_the_pictures_of_the_report_on_the_site_are_fetched_and_bundled_with_the_page() -> None:
    spider = _spider(ocr=True)
    page = _page()
    requests, (document,) = _run(spider, spider.parse_document(page))

    asked = [request.url for request in requests]
    assert asked == [
        "https://www.example.gov.cn/zwgk/2024/img/t1.png",
        "https://www.example.gov.cn/img/t2.png",
        "https://img.example.gov.cn/t3.png",
        "https://www.example.gov.cn/zwgk/2024/img/missing.png",
        "https://www.example.gov.cn/zwgk/2024/img/page.png",
    ]
    bundle = unpack(document.body or b"")
    assert bundle.page == page.body
    assert bundle.images == (
        PageImage("img/t1.png", asked[0], PNG + asked[0].encode()),
        PageImage(IMAGES[1], asked[1], PNG + asked[1].encode()),
        PageImage(IMAGES[2], asked[2], PNG + asked[2].encode()),
    )
    assert (document.format, document.url) == ("html", PAGE_URL)


def test_without_ocr_the_page_is_the_document_and_no_picture_is_asked_for() -> None:
    spider = _spider(ocr=False)
    page = _page()
    requests, (document,) = _run(spider, spider.parse_document(page))
    assert requests == []
    assert document.body == page.body


def test_the_pictures_stop_at_the_documents_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    room = len(PNG) + 60  # the first picture fits, no second one does
    monkeypatch.setattr("crawler.spider.MAX_DOCUMENT_BYTES", len(_page().body) + room)
    spider = _spider(ocr=True)
    requests, (document,) = _run(spider, spider.parse_document(_page()))
    images = unpack(document.body or b"").images
    assert [image.src for image in images] == ["img/t1.png"]
    # Each picture is asked for with what room is left: a larger one is cut off unread.
    sizes = [request.meta["download_maxsize"] for request in requests[:2]]
    assert sizes == [room, room - len(images[0].data)]
