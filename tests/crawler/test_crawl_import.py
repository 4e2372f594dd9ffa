"""The import step after a fetch: real archive, real state, real parser, JSON Lines sink."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.fetch import FetchResult
from crawler.importer import ImportResult, default_parser, import_documents
from crawler.items import FetchedDocument, FetchFailure
from crawler.sinks import JsonLinesSink
from crawler.sites import Site
from crawler.state import CrawlState
from crawler.summary import summarize
from govreports.archive import Archive
from govreports.model import Format, Provenance, Region
from indexer.synthetic import random_report, render

SITE = Site(name="demo", region=Region(province="湖北省", city="孝感市", county="孝南区"), level="county",
            start_urls=["http://127.0.0.1:9/"])
FETCHED = datetime(2024, 2, 1, tzinfo=UTC)
FIRST_SEEN = datetime(2023, 2, 1, tzinfo=UTC)


def report_page(seed: int) -> bytes:
    return render(random_report(random.Random(seed), template="2021", year=2022), "html")


def archived(archive: Archive, url: str, data: bytes, format: Format = "html") -> FetchedDocument:
    return FetchedDocument(
        site=SITE.name, url=url, format=format,
        fetched_at=FETCHED, provenance=Provenance(url=url, final_url=url, http_status=200),
        sha256=archive.put_bytes(data), first_seen_at=FIRST_SEEN,
    )


def run(tmp_path: Path, documents: list[FetchedDocument], out: Path) -> ImportResult:
    with CrawlState.in_data_dir(tmp_path) as state:
        return import_documents(documents, {SITE.name: SITE}, state=state, archive=Archive(tmp_path),
                                sink=JsonLinesSink(out), parse=default_parser())


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_new_then_unchanged_then_revised(tmp_path: Path) -> None:
    archive, out = Archive(tmp_path), tmp_path / "out"
    first = run(tmp_path, [archived(archive, "http://127.0.0.1:9/a.html", report_page(1))], out)
    again = run(tmp_path, [archived(archive, "http://127.0.0.1:9/a.html", report_page(1))], out)
    revised = run(tmp_path, [archived(archive, "http://127.0.0.1:9/a.html", report_page(2))], out)
    statuses = [o.status for o in first.outcomes + again.outcomes + revised.outcomes]
    assert statuses == ["new", "unchanged", "revised"]
    written = lines(out / "demo.jsonl")
    assert len(written) == 2  # unchanged reports are not written again
    assert written[0]["source_site"] == "demo"
    assert written[0]["region"] == {"province": "湖北省", "city": "孝感市", "county": "孝南区"}
    assert written[0]["first_seen_at"] == FIRST_SEEN.isoformat().replace("+00:00", "Z")
    assert written[0]["provenance"]["http_status"] == 200


def test_a_document_that_will_not_parse_is_reported_kept_and_not_retried(tmp_path: Path) -> None:
    archive, out = Archive(tmp_path), tmp_path / "out"
    broken = archived(archive, "http://127.0.0.1:9/broken.pdf", b"%PDF-1.4 this is no PDF at all", "pdf")
    good = archived(archive, "http://127.0.0.1:9/good.html", report_page(3))
    result = run(tmp_path, [broken, good], out)
    assert [(o.url, o.status) for o in result.outcomes] == [(broken.url, "failed"), (good.url, "new")]
    (failure,) = result.failures
    assert (failure.kind, failure.url) == ("parse", broken.url)
    assert archive.read_bytes(broken.sha256).startswith(b"%PDF")  # kept for a better parser
    assert [o.status for o in run(tmp_path, [broken], out).outcomes] == ["unchanged"]


def test_a_refused_write_leaves_the_document_for_the_next_crawl(tmp_path: Path) -> None:
    archive, out = Archive(tmp_path), tmp_path / "out"
    (out / "demo.jsonl").mkdir(parents=True)  # the sink cannot write its file
    document = archived(archive, "http://127.0.0.1:9/a.html", report_page(4))
    refused = run(tmp_path, [document], out)
    assert [o.status for o in refused.outcomes] == ["failed"]
    assert refused.failures[0].kind == "index"
    assert "cannot write" in refused.errors[0]
    (out / "demo.jsonl").rmdir()
    assert [o.status for o in run(tmp_path, [document], out).outcomes] == ["new"]


@pytest.mark.parametrize(("expect_empty", "errors"), [(False, 1), (True, 0)])
def test_a_portal_without_reports_is_an_error_unless_expected_empty(expect_empty: bool, errors: int) -> None:
    site = SITE.model_copy(update={"expect_empty": expect_empty})
    fetched = FetchResult(failures=[FetchFailure(site.name, "http://127.0.0.1:9/", "listing", "HTTP 404")])
    summary = summarize([site], fetched, ImportResult(), seconds=1.0)
    assert len(summary.errors) == errors
    assert summary.sites[0].report_links == 0
