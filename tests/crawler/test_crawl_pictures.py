"""Scans on a portal: a report page whose tables are pictures, and a report posted as a JPG.

With OCR on, the crawler fetches the pictures the page's article shows with the page, the
archive keeps them together (one page bundle), and the import reads both reports by OCR.
A table picture scanned again behind an unchanged page is a revision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from synthetic_truth import differences

from crawler.portals import Entry, Portal, PortalServer, build_pictures_portal
from crawler.run import crawl
from crawler.summary import CrawlSummary
from govreports.archive import Archive
from govreports.model import Report
from govreports.settings import Settings, get_settings
from indexer.extract.page_images import unpack


@dataclass
class Crawled:
    server: PortalServer
    root: Path
    first: CrawlSummary

    @property
    def portal(self) -> Portal:
        return self.server.portal("pictures")

    def entry(self, layout: str) -> Entry:
        return next(entry for entry in self.portal.entries if entry.layout == layout)

    def crawl(self) -> CrawlSummary:
        return _crawl(self.server, self.root)

    def reports(self) -> list[Report]:
        lines = (self.root / "out" / "pictures.jsonl").read_text(encoding="utf-8").splitlines()
        return [Report.model_validate(json.loads(line)) for line in lines]


def _crawl(server: PortalServer, root: Path) -> CrawlSummary:
    return crawl(Settings(data_dir=root / "data"), server.sites(), out=root / "out", polite=False)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp("pictures")
    with pytest.MonkeyPatch.context() as patch:
        # The crawl's child and the parsing workers read the environment.
        patch.setenv("GOVREPORTS_OCR", "true")
        get_settings.cache_clear()
        try:
            with PortalServer([build_pictures_portal(seed=7)]) as server:
                yield Crawled(server, root, first=_crawl(server, root))
        finally:
            get_settings.cache_clear()


@pytest.mark.slow
def test_the_pictures_of_a_page_are_fetched_and_archived_with_it(crawled: Crawled) -> None:
    entry = crawled.entry("html_pictures")
    pictures = crawled.portal.pictures(entry)
    targets = {hit.target for hit in crawled.server.hits("pictures")}
    assert set(pictures) <= targets

    page_url = crawled.portal.url(entry.detail_path)
    archived = next(doc for doc in Archive(crawled.root / "data").latest() if doc.source_url == page_url)
    bundle = unpack(Archive(crawled.root / "data").read_bytes(archived.sha256))
    assert archived.format == "html"
    assert bundle.page == crawled.portal.document_bytes(entry)
    assert {crawled.portal.url(path): data for path, data in pictures.items()} == {
        image.url: image.data for image in bundle.images
    }


@pytest.mark.slow
def test_the_page_and_the_picture_attachment_are_read_by_ocr(crawled: Crawled) -> None:
    assert crawled.first.urls("new") == crawled.portal.truth().reports
    reports = {report.source_url: report for report in crawled.reports()}
    for layout, format in (("html_pictures", "html"), ("jpg", "image")):
        entry = crawled.entry(layout)
        report = reports[crawled.portal.url(entry.document_path)]
        assert (report.format, report.ocr) == (format, True)
        assert differences(report, crawled.portal.synthetic(entry), strict=False) == []

    page = reports[crawled.portal.url(crawled.entry("html_pictures").detail_path)]
    archived = Archive(crawled.root / "data").path_of(page.content_sha256)
    # The hash covers the page and its pictures: it is the bundle's.
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == page.content_sha256
    assert len(archived.read_bytes()) > len(crawled.portal.document_bytes(crawled.entry("html_pictures")))


@pytest.mark.slow
def test_a_table_picture_scanned_again_behind_the_same_page_is_a_revision(crawled: Crawled) -> None:
    entry = crawled.entry("html_pictures")
    page = crawled.portal.document_bytes(entry)
    crawled.portal.rescan(entry.key)
    assert crawled.portal.document_bytes(entry) == page

    again = crawled.crawl()

    assert again.urls("revised") == {crawled.portal.url(entry.detail_path)}
    assert crawled.portal.url(crawled.entry("jpg").document_path) in again.urls("unchanged")


def test_without_ocr_no_picture_is_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVREPORTS_OCR", "false")
    get_settings.cache_clear()
    with PortalServer([build_pictures_portal(seed=7)]) as server:
        summary = _crawl(server, tmp_path)
        targets = [hit.target for hit in server.hits("pictures")]
    get_settings.cache_clear()
    assert not [target for target in targets if target.endswith(".jpg")]
    assert not any(url.endswith(".jpg") for url in summary.urls())
