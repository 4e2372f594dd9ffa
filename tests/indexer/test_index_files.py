"""`govreports index` on files and on the archive, against the real Elasticsearch."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.archive import Archive, ArchivedDocument
from govreports.settings import Settings
from indexer import run
from indexer.lifecycle import indices_behind
from monitor.clock import utc_now
from monitor.indices import MonitorIndices
from monitor.versions import ledger_listener, record_versions

pytestmark = pytest.mark.es

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
OPTIONS = run.Options(batch_size=2, workers=1)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    assert len(list(folder.iterdir())) == 5
    return folder


def _stored(client: Elasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=1000, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def test_indexing_the_same_files_twice_leaves_the_same_documents(
    es_client: Elasticsearch, es_index: str, seed_dir: Path, tmp_path: Path
) -> None:
    first = run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], OPTIONS)
    before = _stored(es_client, es_index)
    second = run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], OPTIONS)
    after = _stored(es_client, es_index)
    assert (first.summary.new, first.summary.failed) == (5, 0)
    assert (second.summary.unchanged, second.summary.new, second.summary.revised) == (5, 0, 0)
    assert set(after) == set(before) and len(after) == 5
    assert {i: s["first_seen_at"] for i, s in after.items()} == {
        i: s["first_seen_at"] for i, s in before.items()
    }
    assert {i: s["text"] for i, s in after.items()} == {i: s["text"] for i, s in before.items()}
    assert not (tmp_path / "data" / "index-state").exists() or not any(
        (tmp_path / "data" / "index-state").iterdir()
    )


def test_a_changed_file_produces_a_revision(
    es_client: Elasticsearch, es_index: str, seed_dir: Path, tmp_path: Path
) -> None:
    run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], OPTIONS)
    before = _stored(es_client, es_index)
    changed = sorted(seed_dir.iterdir())[0]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n补充说明：本报告于次年修订。\n", encoding="utf-8"
    )
    result = run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], OPTIONS)
    after = _stored(es_client, es_index)
    assert (result.summary.revised, result.summary.unchanged, result.summary.new) == (1, 4, 0)
    assert set(after) == set(before)
    (revised_id,) = [i for i in after if after[i]["content_sha256"] != before[i]["content_sha256"]]
    assert after[revised_id]["revisions"][-1]["content_sha256"] == before[revised_id]["content_sha256"]
    assert after[revised_id]["first_seen_at"] == before[revised_id]["first_seen_at"]


def _versions(client: Elasticsearch, alias: str) -> list[dict[str, Any]]:
    client.indices.refresh(index=f"{alias}-versions")
    hits = client.search(index=f"{alias}-versions", size=100, query={"match_all": {}})["hits"]["hits"]
    return [hit["_source"] for hit in hits]


def test_an_index_run_records_new_versions_as_it_writes_and_leaves_revisions_to_the_scan(
    es_client: Elasticsearch, es_index: str, seed_dir: Path, tmp_path: Path
) -> None:
    options = replace(OPTIONS, listener=partial(ledger_listener, es_client, es_index))
    run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], options)
    recorded = _versions(es_client, es_index)
    assert len(recorded) == 5 and not any(version["revision"] for version in recorded)
    assert all(version["cells"] for version in recorded)

    changed = sorted(seed_dir.iterdir())[0]
    changed.write_text(changed.read_text(encoding="utf-8").replace("1", "2", 1), encoding="utf-8")
    run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], options)
    assert len(_versions(es_client, es_index)) == 5  # the revision is the notify scan's to record

    es_client.indices.refresh(index=es_index)
    assert record_versions(es_client, MonitorIndices(es_index), utc_now()) == 1
    (revision,) = [version for version in _versions(es_client, es_index) if version["revision"]]
    assert revision["previous_sha256"] and revision["changes"] is not None


def test_an_index_the_ledger_never_saw_is_left_to_the_scan(
    es_client: Elasticsearch, es_index: str, seed_dir: Path, tmp_path: Path
) -> None:
    assert ledger_listener(es_client, es_index) is not None  # nothing indexed, nothing recorded
    run.index_paths(es_client, es_index, tmp_path / "data", [seed_dir], OPTIONS)
    es_client.indices.refresh(index=es_index)
    # Reports the ledger lacks: recording only what the next run writes would lose the others.
    assert ledger_listener(es_client, es_index) is None
    assert record_versions(es_client, MonitorIndices(es_index), utc_now()) == 0
    assert len(_versions(es_client, es_index)) == 5
    assert ledger_listener(es_client, es_index) is not None


def test_the_command_lists_failures_and_still_indexes_the_rest(
    es_client: Elasticsearch, es_index: str, es_session_settings: Settings, seed_dir: Path, tmp_path: Path
) -> None:
    (seed_dir / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a PDF")
    env = {
        **os.environ,
        "GOVREPORTS_ES_URL": es_session_settings.es_url,
        "GOVREPORTS_INDEX": es_index,
        "GOVREPORTS_DATA_DIR": str(tmp_path / "data"),
    }
    command = [str(Path(sys.executable).parent / "govreports"), "index", str(seed_dir), "--workers", "2"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stderr
    assert "indexed 5: 5 new, 0 revised, 0 unchanged; 1 failed" in done.stdout
    assert "Traceback" not in done.stderr
    assert "indexing: 6/6 documents" in done.stderr  # plain progress lines off a terminal
    (failures,) = (tmp_path / "data" / "failures").glob("index-*.jsonl")
    (entry,) = [json.loads(line) for line in failures.read_text(encoding="utf-8").splitlines()]
    assert entry["path"].endswith("broken.pdf") and entry["error"]
    assert str(failures) in done.stdout
    # Subscriptions are notified after every index run: the run recorded each report's version.
    assert "notify: 0 new deliveries" in done.stdout
    es_client.indices.refresh(index=f"{es_index}-versions")
    assert es_client.count(index=f"{es_index}-versions")["count"] == 5


def _archive(data_dir: Path, count: int) -> None:
    from indexer.synthetic import random_report, render

    archive, rng = Archive(data_dir), random.Random(3)
    for n in range(count):
        sha256 = archive.put_bytes(render(random_report(rng), "html"))
        fetched = datetime(2023, 2, 1, tzinfo=UTC)
        url = f"http://127.0.0.1/reports/{n}.html"
        archive.record(ArchivedDocument(sha256=sha256, format="html", source_url=url, fetched_at=fetched))


def test_reindex_swaps_the_alias_while_searches_keep_working(
    es_client: Elasticsearch, es_index: str, seed_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    _archive(data_dir, 30)
    archived = run.index_archive(es_client, es_index, data_dir, OPTIONS)
    local = run.index_paths(es_client, es_index, data_dir, [seed_dir], OPTIONS)  # not in the archive
    assert (archived.summary.new, local.summary.new) == (30, 5)
    (old,) = indices_behind(es_client, es_index)
    before = _stored(es_client, es_index)

    failures: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(es_client.count(index=es_index)["count"])
            except Exception as error:  # any failure during the swap fails the test
                failures.append(error)
            time.sleep(0.005)

    searcher = threading.Thread(target=search_loop)
    searcher.start()
    try:
        result = run.reindex(es_client, es_index, data_dir, run.Options(batch_size=7, workers=1))
    finally:
        stop.set()
        searcher.join()
    assert failures == []
    assert set(totals) == {35}
    (new,) = indices_behind(es_client, es_index)
    assert new != old and not es_client.indices.exists(index=old)
    assert (result.summary.unchanged, result.carried_over) == (30, 5)
    after = _stored(es_client, es_index)
    assert {i: s["first_seen_at"] for i, s in after.items()} == {
        i: s["first_seen_at"] for i, s in before.items()
    }
