"""`--reindex` against concurrent writers: every acknowledged write is in the index afterwards.

Writers run in threads, each with a client of its own, as crawlers on other machines
would: all they share with the reindex is the lock in Elasticsearch.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.archive import Archive, ArchivedDocument
from govreports.es_client import build_client
from govreports.model import Report
from govreports.settings import Settings
from indexer import lifecycle, run
from indexer.synthetic import random_report, render
from indexer.write_lock import REINDEX_ID, IndexBusy, LockTiming, WriteLock, lock_index
from indexer.writer import index_reports

pytestmark = pytest.mark.es

ARCHIVED = 30
OPTIONS = run.Options(batch_size=8, workers=1)
FAST = LockTiming(lease_s=1.5, wait_s=20.0, poll_s=0.05)


def archive_reports(data_dir: Path) -> None:
    archive, rng = Archive(data_dir), random.Random(11)
    for number in range(ARCHIVED):
        sha256 = archive.put_bytes(render(random_report(rng), "tab_rows"))
        archive.record(ArchivedDocument(sha256=sha256, format="txt", source_url=f"http://127.0.0.1:9/{number}.txt",
                                        fetched_at=datetime(2024, 1, 1, tzinfo=UTC)))


def report(report_id: str, sha256: str) -> Report:
    return Report(id=report_id, content_sha256=sha256, format="txt", fetched_at=datetime.now(UTC),
                  text=f"{report_id} 依申请公开 {sha256}")


@dataclass
class Writer:
    """A thread writing one report per request until stopped; keeps what was acknowledged, and when."""

    settings: Settings
    next_report: Callable[[int], Report]
    acknowledged: list[tuple[float, Report]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        client = build_client(self.settings)  # a machine of its own
        try:
            count = 0
            while not self.stop.is_set():
                written = self.next_report(count)
                summary = index_reports(client, self.settings.index, [written])
                assert summary.failed == 0, summary.outcomes
                self.acknowledged.append((time.monotonic(), written))
                count += 1
        except BaseException as error:  # whatever stopped a writer fails the test
            self.errors.append(error)
        finally:
            client.close()

    def acknowledged_between(self, start: float, end: float) -> int:
        return sum(start <= moment <= end for moment, _ in self.acknowledged)


@contextmanager
def writing(writers: list[Writer]) -> Iterator[None]:
    threads = [threading.Thread(target=writer.run) for writer in writers]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for writer in writers:
            writer.stop.set()
        for thread in threads:
            thread.join()


def archived_ids(client: Elasticsearch, alias: str) -> list[str]:
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, query={"match_all": {}}, size=ARCHIVED, source=False)["hits"]["hits"]
    return sorted(hit["_id"] for hit in hits)


def stored(client: Elasticsearch, alias: str, report_id: str) -> dict[str, Any] | None:
    found = client.mget(index=alias, ids=[report_id])["docs"][0]
    return found["_source"] if found.get("found") else None


@pytest.mark.timeout(300)
def test_writes_racing_a_reindex_are_all_found_afterwards(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alias = es_settings.index
    archive_reports(tmp_path)
    run.index_archive(es_client, alias, tmp_path, OPTIONS)
    ids = archived_ids(es_client, alias)
    assert len(ids) == ARCHIVED

    # (a) revisions of documents the new index holds from the archive; (b) documents it never saw.
    revisions = Writer(es_settings, lambda n: report(ids[n % len(ids)], f"revision-{n}"))
    additions = Writer(es_settings, lambda n: report(f"added-{n}", f"added-{n}"))
    swap_alias = lifecycle.swap_alias
    swap_asked: list[float] = []

    def swap_later(client: Elasticsearch, alias: str, new_index: str) -> list[str]:
        swap_asked.append(time.monotonic())
        time.sleep(1.5)  # writers had better not write now: the old index goes with the swap
        return swap_alias(client, alias, new_index)

    monkeypatch.setattr(lifecycle, "swap_alias", swap_later)
    old = lifecycle.indices_behind(es_client, alias)
    with writing([revisions, additions]):
        time.sleep(0.5)
        started = time.monotonic()
        result = run.reindex(es_client, alias, tmp_path, OPTIONS)
        finished = time.monotonic()
        time.sleep(1.0)  # and a few writes into the new index

    assert revisions.errors == additions.errors == []
    assert lifecycle.indices_behind(es_client, alias) != old
    assert result.summary.failed == 0
    for writer in (revisions, additions):
        assert writer.acknowledged_between(started, swap_asked[0]) > 0  # the race did happen
        assert writer.acknowledged_between(finished, time.monotonic()) > 0
    acknowledged = revisions.acknowledged + additions.acknowledged
    latest = {written.id: written.content_sha256 for _, written in acknowledged}
    es_client.indices.refresh(index=alias)
    lost = {report_id: sha256 for report_id, sha256 in latest.items()
            if (stored(es_client, alias, report_id) or {}).get("content_sha256") != sha256}
    assert lost == {}, f"{len(lost)} of {len(latest)} reports lost their last write"


def test_an_index_job_waits_while_a_reindex_holds_the_index(
    es_client: Elasticsearch, es_index: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    rng = random.Random(3)
    for number in range(5):
        (folder / f"{number}.txt").write_bytes(render(random_report(rng), "tab_rows"))
    lifecycle.ensure_index(es_client, es_index)
    results: list[run.JobResult] = []

    def index_job() -> None:
        results.append(run.index_paths(es_client, es_index, tmp_path, [folder], OPTIONS))

    job = threading.Thread(target=index_job)
    with WriteLock(es_client, es_index).exclusive():
        job.start()
        time.sleep(3.0)
        es_client.indices.refresh(index=es_index)
        assert es_client.count(index=es_index)["count"] == 0
    job.join(timeout=60)
    assert results and results[0].summary.new == 5


def test_a_reindex_waits_for_a_writer_to_step_aside_at_its_next_batch(
    es_client: Elasticsearch, es_index: str
) -> None:
    lock = WriteLock(es_client, es_index, FAST)
    events: list[str] = []
    with lock.writing() as session:
        session.checkpoint()  # registered, writing its first batch
        def reindex_phase() -> None:
            with lock.exclusive():
                events.append("reindex holds the index")

        reindexer = threading.Thread(target=reindex_phase)
        reindexer.start()
        time.sleep(1.0)  # the reindex has asked; the writer is mid-batch
        events.append("writer's batch done")
        session.checkpoint()  # steps aside, and is back once the reindex is done
        events.append("writer writes again")
        reindexer.join()
    assert events == ["writer's batch done", "reindex holds the index", "writer writes again"]


def test_a_crashed_reindex_holds_the_index_no_longer_than_its_lease(
    es_client: Elasticsearch, es_index: str
) -> None:
    lock = WriteLock(es_client, es_index, FAST)
    lock.store.ensure_index()
    es_client.index(index=lock_index(es_index), id=REINDEX_ID,
                    document={"kind": "reindex", "owner": "gone pid 1", "renewed_at": "2024-01-01T00:00:00Z"})
    started = time.monotonic()
    with lock.writing() as session:
        session.checkpoint()
        waited = time.monotonic() - started
    assert FAST.lease_s <= waited < FAST.lease_s + 10


def test_a_crashed_writer_holds_up_a_reindex_no_longer_than_its_lease(
    es_client: Elasticsearch, es_index: str
) -> None:
    lock = WriteLock(es_client, es_index, FAST)
    lock.store.ensure_index()
    es_client.index(index=lock_index(es_index), id="writer-gone",
                    document={"kind": "writer", "owner": "gone pid 1", "renewed_at": "2024-01-01T00:00:00Z"})
    started = time.monotonic()
    with lock.exclusive() as flag:
        waited = time.monotonic() - started
        flag.ensure_held()
    assert FAST.lease_s <= waited < FAST.lease_s + 10


def test_a_live_holder_is_waited_for_then_given_up_on_with_a_clear_error(
    es_client: Elasticsearch, es_index: str
) -> None:
    impatient = LockTiming(lease_s=1.5, wait_s=2.0, poll_s=0.05)
    with WriteLock(es_client, es_index, FAST).exclusive():
        time.sleep(2 * FAST.lease_s)  # renewed all along: never taken for crashed
        writer = WriteLock(es_client, es_index, impatient).writing()
        waited = r"waited 2 s for the reindex of test-\w+ by .*; nothing was written"
        with writer as session, pytest.raises(IndexBusy, match=waited):
            session.checkpoint()
