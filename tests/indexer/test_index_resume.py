"""Elasticsearch going away mid-run: retries, a clear stop, and a rerun that finishes the job exactly.

Runs a second, private node (the shared one on GOVREPORTS_ES_URL is never touched),
kills it while the indexer writes, starts it again and reruns the same job.
"""

from __future__ import annotations

import random
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govreports import elastic
from govreports.elastic import processes
from govreports.elastic.node import layout_for
from govreports.errors import ElasticsearchUnavailable
from govreports.es_client import build_client
from govreports.settings import Settings
from indexer import run
from indexer.writer import RetryPolicy

pytestmark = [pytest.mark.es, pytest.mark.slow]

REPORTS = 240
OPTIONS = run.Options(batch_size=10, workers=1, retry=RetryPolicy(attempts=3, first_delay_s=0.2))


@pytest.fixture
def private_node(es_session_settings: Settings, free_port: int) -> Iterator[Settings]:
    settings = es_session_settings.model_copy(
        update={
            "es_url": f"http://127.0.0.1:{free_port}",
            "es_heap": "512m",
            "index": "govreports-resume-test",
        }
    )
    try:
        yield settings
    finally:
        elastic.stop(settings)
        layout = layout_for(settings)
        shutil.rmtree(layout.root, ignore_errors=True)
        layout.lock_file.unlink(missing_ok=True)


def _report_files(folder: Path) -> None:
    from indexer.synthetic import random_report, render

    folder.mkdir()
    rng = random.Random(17)
    for n in range(REPORTS):
        (folder / f"{n:04d}.txt").write_bytes(render(random_report(rng), "tab_rows"))


def _kill_after_first_acknowledged_batch(data_dir: Path, group: int) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            journals = (
                list((data_dir / "index-state").glob("*.jsonl"))
                if (data_dir / "index-state").exists()
                else []
            )
            if any('"done"' in journal.read_text(encoding="utf-8") for journal in journals):
                processes.send(group, signal.SIGKILL)
                processes.wait_until_gone(group, 30)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=watch)
    killer.start()
    return killer


def test_a_run_cut_by_an_outage_is_finished_by_running_it_again(
    private_node: Settings, tmp_path: Path
) -> None:
    folder, data_dir = tmp_path / "reports", tmp_path / "data"
    _report_files(folder)
    node, started = elastic.start(private_node)
    assert started and node.pid is not None
    client = build_client(private_node)
    alias = private_node.index

    killer = _kill_after_first_acknowledged_batch(data_dir, node.pid)
    with pytest.raises(ElasticsearchUnavailable, match="run the same command again") as stopped:
        run.index_paths(client, alias, data_dir, [folder], OPTIONS)
    killer.join()
    assert "gave up after 3 tries" in str(stopped.value)
    assert len(list((data_dir / "index-state").glob("*.jsonl"))) == 1

    elastic.start(private_node)
    result = run.index_paths(client, alias, data_dir, [folder], OPTIONS)

    assert 0 < result.resumed < REPORTS
    assert (result.summary.new, result.summary.revised, result.summary.unchanged) == (REPORTS, 0, 0)
    assert result.summary.failed == 0
    client.indices.refresh(index=alias)
    assert client.count(index=alias)["count"] == REPORTS
    assert not list((data_dir / "index-state").glob("*.jsonl"))
    client.close()
