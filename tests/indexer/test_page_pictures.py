"""HTML reports whose tables are pictures: the page bundle, reading its pictures by OCR, local files.

A picture is read only with OCR on and only when the page's own text misses one of the three
tables; for a local file its pictures come from its own folder and nothing else.
"""

from __future__ import annotations

import base64
import json
import random
import time
from pathlib import Path

import pytest
from synthetic_truth import differences
from typer.testing import CliRunner

from govreports.cli import app
from govreports.errors import ExtractionError
from govreports.model import Origin
from govreports.settings import get_settings
from indexer.documents import parse_bytes, parse_file
from indexer.extract import html
from indexer.extract.page_images import MAGIC, PageImage, PageWithImages, pack, unpack
from indexer.local_pictures import with_local_pictures
from indexer.run import FileItem
from indexer.synthetic import SyntheticReport, random_report, render
from indexer.synthetic.render_pictures import html_with_table_pictures
from indexer.synthetic.render_scan import ScanStyle

STYLE = ScanStyle(dpi=200, rulings=True, paper=235, jpeg_quality=85)


@pytest.fixture(scope="module")
def scanned() -> tuple[SyntheticReport, bytes, dict[str, bytes]]:
    report = random_report(random.Random(11), template="2021")
    page, pictures = html_with_table_pictures(report, STYLE, seed=11, source=lambda name: f"img/{name}.jpg")
    return report, page, pictures


def _bundle(page: bytes, pictures: dict[str, bytes]) -> bytes:
    images = tuple(PageImage(src, f"https://example.gov.cn/{src}", data) for src, data in pictures.items())
    return pack(PageWithImages(page, images))


# --- the bundle --------------------------------------------------------------------------------


def test_a_bundle_gives_back_its_page_and_pictures_and_packs_to_the_same_bytes() -> None:
    bundle = PageWithImages(b"<html>page</html>", (PageImage("a.png", "https://x.gov.cn/a.png", b"\x89PNG.."),
                                                    PageImage("b 1.jpg", "https://x.gov.cn/b%201.jpg", b"")))
    data = pack(bundle)
    assert data.startswith(MAGIC)
    assert unpack(data) == bundle
    assert pack(unpack(data)) == data
    # A page without pictures is stored as itself, and any other document is a page.
    assert pack(PageWithImages(b"<html/>")) == b"<html/>"
    assert unpack(b"<html/>") == PageWithImages(b"<html/>")


@pytest.mark.parametrize(
    "damaged",
    [
        MAGIC + b"not json\n<html/>",
        MAGIC + b'{"page":7,"images":[]}\n<html/>extra',
        MAGIC + b'{"page":7,"images":[{"src":"a","url":"u","bytes":-1}]}\n<html/>',
        MAGIC + b'{"page":7}',
        MAGIC + b'{"page":7,"images":[' + b'{"src":"a","url":"u","bytes":0},' * 40 + b"]}\n<html/>",
    ],
)
def test_a_damaged_bundle_is_one_extraction_error(damaged: bytes) -> None:
    with pytest.raises(ExtractionError, match="damaged page bundle"):
        parse_bytes(damaged, format="html", ocr=True)


# --- which pictures ----------------------------------------------------------------------------


def test_the_pictures_are_those_of_the_report_not_of_the_portal_chrome(
    scanned: tuple[SyntheticReport, bytes, dict[str, bytes]],
) -> None:
    _report, page, pictures = scanned
    # The portal's logo sits in its header, outside the article.
    assert b"/images/logo.png" in page
    assert html.article_image_sources(page) == list(pictures)


@pytest.mark.timeout(10)
def test_a_page_of_countless_pictures_is_looked_at_in_linear_time() -> None:
    images = "".join(f'<p><img data-src="p{i}.png" src="loading.gif"></p>' for i in range(100_000))
    page = f"<html><body><div><p>一、总体情况</p><p>二、主动公开政府信息情况</p>{images}</div></body></html>"
    started = time.process_time()
    sources = html.article_image_sources(page.encode())
    assert time.process_time() - started < 5
    # The lazy-loading address, not the placeholder; no more than a page's worth.
    assert sources == [f"p{i}.png" for i in range(html.MAX_PICTURES)]


def test_a_page_whose_own_tables_are_complete_reads_no_picture() -> None:
    report = random_report(random.Random(12), template="2021")
    page = render(report, "html").replace(b"</h1>", b'</h1><div><img src="seal.png"></div>', 1)
    # Bytes no decoder reads: reading them would leave a picture_unreadable warning.
    parsed = parse_bytes(_bundle(page, {"seal.png": b"not a picture"}), format="html", ocr=True)
    assert parsed.ocr is False
    assert not [warning for warning in parsed.warnings if warning.code == "picture_unreadable"]
    assert differences(parsed, report, strict=False) == []


@pytest.mark.timeout(60)
def test_pictures_of_no_table_shape_are_passed_over_with_a_warning() -> None:
    import cv2
    import numpy as np

    def png(height: int, width: int) -> bytes:
        return bytes(cv2.imencode(".png", np.full((height, width, 3), 255, np.uint8))[1].tobytes())

    # A sliver 3 pixels wide would be looked at in a thousand pieces; the others are not pictures.
    pictures = {"tall.png": png(4000, 3), "wide.png": png(3, 4000), "text.png": b"GIF89a"}
    images = "".join(f'<img src="{source}">' for source in pictures)
    page = f"<html><body><div><p>一、总体情况</p><p>二、主动公开政府信息情况</p>{images}</div></body></html>"
    started = time.monotonic()
    parsed = parse_bytes(_bundle(page.encode(), pictures), format="html", ocr=True)
    assert time.monotonic() - started < 30
    assert parsed.ocr is False
    unreadable = [w.detail for w in parsed.warnings if w.code == "picture_unreadable"]
    assert [detail.split(":")[0] for detail in unreadable] == list(pictures)


# --- reading them ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_tables_of_a_page_are_read_from_its_pictures(
    scanned: tuple[SyntheticReport, bytes, dict[str, bytes]],
) -> None:
    report, page, pictures = scanned
    bundle = _bundle(page, pictures)

    origin = Origin(url="https://example.gov.cn/a.html")
    parsed = parse_bytes(bundle, format="html", origin=origin, ocr=True)
    assert (parsed.format, parsed.ocr) == ("html", True)
    assert differences(parsed, report, strict=False) == []
    # The hash is the bundle's: it covers the pictures too.
    other = _bundle(page, {**pictures, "img/appeals.jpg": pictures["img/appeals.jpg"] + b"\0"})
    assert parse_bytes(other, format="html", ocr=False).content_sha256 != parsed.content_sha256

    # Without OCR the pictures are not read, and the tables stay empty rather than wrong.
    unread = parse_bytes(bundle, format="html", ocr=False)
    assert unread.ocr is False
    assert unread.applications is None


@pytest.mark.slow
def test_a_local_page_is_read_with_the_pictures_saved_next_to_it(
    scanned: tuple[SyntheticReport, bytes, dict[str, bytes]], tmp_path: Path
) -> None:
    report, page, pictures = scanned
    (tmp_path / "img").mkdir()
    for source, data in pictures.items():
        (tmp_path / source).write_bytes(data)
    # One table inline, as a data: URL in the page itself.
    inline = "data:image/jpeg;base64," + base64.b64encode(pictures["img/active.jpg"]).decode()
    page = page.replace(b"img/active.jpg", inline.encode())
    (tmp_path / "img" / "active.jpg").unlink()
    path = tmp_path / "report.html"
    path.write_bytes(page)

    parsed = parse_file(path, ocr=True)
    assert parsed.ocr is True
    assert differences(parsed, report, strict=False) == []

    assert parse_file(path).ocr is False  # OCR off: the page alone


class _Announced(Exception):
    """Stops a parse once it has said what it reads."""


def _announced(data: bytes, _format: str) -> None:
    raise _Announced(data)


def test_govreports_index_reads_a_local_page_with_its_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.png").write_bytes(b"\x89PNG table")
    page = '<html><body><div><p>一、总体情况</p><img src="t.png"></div></body></html>'.encode()
    path = tmp_path / "report.html"
    path.write_bytes(page)
    item = FileItem(path, "")
    for ocr, read in (("false", page), ("true", with_local_pictures(path, page))):
        monkeypatch.setenv("GOVREPORTS_OCR", ocr)
        get_settings.cache_clear()
        with pytest.raises(_Announced) as announced:
            item.parse(_announced)
        assert announced.value.args[0] == read
    get_settings.cache_clear()
    assert unpack(read).images[0].data == b"\x89PNG table"


def test_a_local_page_takes_no_picture_from_outside_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    (folder / "away.png").symlink_to(tmp_path / "secret.png")
    (folder / "here.png").write_bytes(b"\x89PNG here")
    outside = tmp_path / "secret.png"
    sources = [
        "../secret.png", "%2e%2e/secret.png", str(outside), outside.as_uri(), "away.png",
        "http://127.0.0.1:9/here.png", "//127.0.0.1/here.png", "/here.png", "missing.png", "here.png",
    ]
    images = "".join(f'<img src="{source}">' for source in sources)
    page = f"<html><body><div><p>一、总体情况</p>{images}</div></body></html>".encode()
    path = folder / "report.html"
    path.write_bytes(page)

    bundle = unpack(with_local_pictures(path, page))
    assert bundle.page == page
    assert [(image.src, image.data) for image in bundle.images] == [("here.png", b"\x89PNG here")]


def test_govreports_parse_reads_the_pictures_next_to_a_page_and_only_those(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "site"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "t1.png").write_bytes(b"\x89PNG\r\n\x1a\n not a picture after all")
    (tmp_path / "t2.png").write_bytes(b"\x89PNG\r\n\x1a\n outside")
    images = '<img src="img/t1.png"><img src="../t2.png"><img src="http://127.0.0.1:9/t3.png">'
    page = folder / "report.html"
    page.write_text(f"<html><body><div><p>一、总体情况</p>{images}</div></body></html>", encoding="utf-8")
    monkeypatch.setenv("GOVREPORTS_OCR", "true")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["parse", str(page)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    # The one picture inside the folder was read (and found unreadable); the others never were.
    unreadable = [warning["detail"] for warning in warnings if warning["code"] == "picture_unreadable"]
    assert [detail.split(":")[0] for detail in unreadable] == ["img/t1.png"]
