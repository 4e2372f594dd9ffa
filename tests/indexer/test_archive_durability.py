"""The archive and the index journal survive a crash mid-write: torn lines, shared objects, damaged bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.importer import default_parser, import_documents
from crawler.items import FetchedDocument
from crawler.sinks import JsonLinesSink
from crawler.sites import Site
from crawler.state import CrawlState
from govreports.archive import Archive, ArchivedDocument, DamagedObject
from govreports.model import Provenance, Region
from indexer import run
from indexer.synthetic import random_report, render
from indexer.writer import Outcome

FETCHED = datetime(2024, 2, 1, tzinfo=UTC)
SITE = Site(name="demo", region=Region(province="湖北省", city="孝感市"), level="county",
            start_urls=["http://127.0.0.1:9/"])


def archived_document(number: int) -> ArchivedDocument:
    # Chinese in the line: a cut can fall inside a multi-byte character.
    return ArchivedDocument(sha256=f"{number:064x}", format="html", source_url=f"http://127.0.0.1:9/{number}.html",
                            source_site="孝南区人民政府", fetched_at=FETCHED)


def tear(path: Path, line: str) -> None:
    """What a crash mid-append leaves: the first part of a line, no newline."""
    with path.open("ab") as log:
        log.write(line.encode("utf-8")[: len(line.encode("utf-8")) - 7])


def test_a_torn_archive_line_anywhere_is_skipped_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    archive = Archive(tmp_path)
    archive.record(archived_document(1))
    tear(archive.log, archived_document(2).model_dump_json())
    archive.record(archived_document(3))  # after the crash, the crawl goes on
    tear(archive.log, archived_document(4).model_dump_json())

    with caplog.at_level(logging.WARNING, logger="govreports"):
        urls = [document.source_url for document in archive.latest()]

    assert urls == [archived_document(1).source_url, archived_document(3).source_url]
    assert "skipped 2 torn or unreadable line(s) (line 2, 4)" in caplog.text
    assert [item.key for item in run.archived_items(tmp_path)] == urls  # what --from-archive, --reindex read


def test_an_append_after_a_torn_line_starts_on_a_fresh_line(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.record(archived_document(1))
    tear(archive.log, archived_document(2).model_dump_json())
    archive.record(archived_document(3))
    lines = archive.log.read_bytes().splitlines()
    assert len(lines) == 3
    assert ArchivedDocument.model_validate_json(lines[2]) == archived_document(3)


def file_items(folder: Path, count: int) -> list[run.FileItem]:
    folder.mkdir(exist_ok=True)
    for number in range(count):
        (folder / f"{number}.txt").write_text("政府信息公开工作年度报告", encoding="utf-8")
    return run.find_files([folder])


def test_the_index_journal_tolerates_a_torn_line_anywhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    items = file_items(tmp_path / "reports", 3)
    journal = run.journal_for(tmp_path, "paths", paths="reports")
    journal.record_done(items[:1], [Outcome("a", "new", "sha-a")])
    tear(journal.path, '{"done": {"/somewhere": "1:2"}, "counts": {"new": 1}, "ids": ["x"]}')
    # The next run replays the journal and goes on appending to it.
    resumed = run.journal_for(tmp_path, "paths", paths="reports")
    resumed.record_done(items[1:], [Outcome("b", "new", "sha-b"), Outcome("c", "revised", "sha-c")])

    with caplog.at_level(logging.WARNING, logger="govreports"):
        replayed = run.journal_for(tmp_path, "paths", paths="reports")

    assert all(replayed.is_done(item) for item in items)
    assert (replayed.summary.new, replayed.summary.revised) == (2, 1)
    assert "skipped 1 torn or unreadable line(s) (line 3)" in caplog.text


def test_appends_and_objects_are_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    archive = Archive(tmp_path)
    sha256 = archive.put_bytes(b"report")
    archive.record(archived_document(1))
    run.journal_for(tmp_path, "paths", paths="reports")

    assert any(name.startswith(str(archive.path_of(sha256))) for name in synced)  # the object's bytes
    assert str(archive.path_of(sha256).parent) in synced  # and its name
    assert str(archive.log) in synced
    assert any(name.startswith(str(tmp_path / "index-state")) for name in synced)


@pytest.mark.timeout(60)
def test_writers_of_the_same_object_at_once_never_collide(tmp_path: Path) -> None:
    writers = 6
    problems: list[BaseException] = []

    def put(data: bytes, start: threading.Barrier) -> None:
        start.wait()
        try:
            Archive(tmp_path).put_bytes(data)
        except Exception as error:  # anything at all is a collision
            problems.append(error)

    for trial in range(4):
        data = random.Random(trial).randbytes(64) * (64 << 10)  # 4 MiB: each write takes a while
        start = threading.Barrier(writers)
        threads = [threading.Thread(target=put, args=(data, start)) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Archive(tmp_path).read_bytes(hashlib.sha256(data).hexdigest()) == data
    assert problems == []
    assert not list(tmp_path.rglob("*.partial"))


def test_a_truncated_object_is_found_when_read_and_replaced_when_stored_again(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha256 = archive.put_bytes(b"the whole report")
    archive.path_of(sha256).write_bytes(b"the wh")  # a crash before the data reached the disk

    with pytest.raises(DamagedObject, match="damaged"):
        archive.read_bytes(sha256)
    assert archive.put_bytes(b"the whole report") == sha256
    assert archive.read_bytes(sha256) == b"the whole report"
    archive.path_of(sha256).unlink()
    with pytest.raises(DamagedObject, match="missing"):
        archive.read_bytes(sha256)


def test_a_document_whose_object_is_damaged_is_fetched_again_and_not_marked_delivered(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/report.html"
    data = render(random_report(random.Random(5), template="2021", year=2022), "html")
    archive, sink = Archive(tmp_path), JsonLinesSink(tmp_path / "out")
    sha256 = archive.put_bytes(data)
    document = FetchedDocument(site=SITE.name, url=url, format="html", fetched_at=FETCHED,
                               provenance=Provenance(url=url, final_url=url, http_status=200), sha256=sha256)
    archive.path_of(sha256).write_bytes(data[:100])

    with CrawlState.in_data_dir(tmp_path) as state:
        state.remember_document(url, site=SITE.name, sha256=sha256, format="html", etag='"v1"',
                                last_modified="Thu, 01 Feb 2024 00:00:00 GMT", fetched_at=FETCHED)
        damaged = import_documents([document], {SITE.name: SITE}, state=state, archive=archive, sink=sink,
                                   parse=default_parser())
        assert [outcome.status for outcome in damaged.outcomes] == ["failed"]
        assert "damaged" in damaged.failures[0].reason
        assert state.delivered(url, sink.key) is None
        known = state.known(url)
        assert known is not None and (known.etag, known.last_modified) == (None, None)  # asked for in full

        archive.put_bytes(data)  # the next crawl's full fetch
        again = import_documents([document], {SITE.name: SITE}, state=state, archive=archive, sink=sink,
                                 parse=default_parser())
        assert [outcome.status for outcome in again.outcomes] == ["new"]


def test_a_damaged_object_met_by_an_archive_index_run_is_fetched_again(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    sha256 = archive.put_bytes(b"bytes")
    archive.path_of(sha256).write_bytes(b"by")
    with CrawlState.in_data_dir(tmp_path) as state:
        state.remember_document("http://127.0.0.1:9/a", site="demo", sha256=sha256, format="txt", etag='"1"',
                                last_modified=None, fetched_at=FETCHED)
    with pytest.raises(DamagedObject):
        run.archived_bytes(tmp_path, sha256)
    with CrawlState.in_data_dir(tmp_path) as state:
        known = state.known("http://127.0.0.1:9/a")
        assert known is not None and known.etag is None
