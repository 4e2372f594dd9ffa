"""Limits per document: a document that hangs or swells is stopped and recorded as `parse_timeout` or
`parse_memory`, and every other document of the same run is parsed — in `govreports index`, in
`govreports parse`, in the crawl importer, and in the worker pool they share.

The hostile documents are real .doc files, read through a stand-in LibreOffice on PATH that hangs
or swells (so the limits are seen killing a helper process of the worker, too), and jobs of this
module that spin in a regular expression (C code: no Python signal handler runs there) or allocate.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.importer import default_parser, import_documents
from crawler.items import FetchedDocument
from crawler.sinks import JsonLinesSink
from crawler.sites import Site
from crawler.state import CrawlState
from govreports.archive import Archive
from govreports.model import Provenance
from govreports.settings import Settings
from indexer.limits import Announce, ParseLimits, ParseStopped, run_limited

GOVREPORTS = str(Path(sys.executable).parent / "govreports")
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
# A Word 97-2003 file as the .doc extractor recognises it, handed to LibreOffice to convert.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_DOC = OLE + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 512
HANGS = "exec sleep 600"
SWELLS = f"exec {sys.executable} -c \"import time; held = b'x' * (700 << 20); time.sleep(600)\""


def stand_in_libreoffice(folder: Path, behaviour: str) -> tuple[dict[str, str], Path]:
    """An environment whose `soffice` hangs or swells, and the file where each one writes its pid."""
    folder.mkdir()
    pids = folder / "pids"
    script = folder / "soffice"
    script.write_text(f'#!/bin/sh\necho $$ >> "{pids}"\n{behaviour}\n', encoding="utf-8")
    script.chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}"}, pids


def all_gone(pids: Path) -> bool:
    """True when every stand-in LibreOffice that ran has been killed."""
    deadline = time.monotonic() + 5
    started = [int(pid) for pid in pids.read_text().split()]
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in started):
            return True
        time.sleep(0.1)
    return False


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cli_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GOVREPORTS_")}
    return {**clean, "GOVREPORTS_DATA_DIR": str(tmp_path / "data"), **extra}


# --- govreports index ------------------------------------------------------------------------


@pytest.mark.es
@pytest.mark.timeout(90)
def test_index_records_a_hanging_document_as_parse_timeout_and_indexes_the_others(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, reports / seed.name)
    (reports / "hangs.doc").write_bytes(WORD_DOC)
    env, pids = stand_in_libreoffice(tmp_path / "bin", HANGS)
    # 6 s for the one-page .doc; the reports (a few pages each) get more, even on a busy machine.
    limits = {"GOVREPORTS_PARSE_TIMEOUT": "5", "GOVREPORTS_PARSE_TIMEOUT_PER_PAGE": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [GOVREPORTS, "index", str(reports), "--workers", "2"],
        env=_cli_env(tmp_path, {**env, **limits, "GOVREPORTS_ES_URL": es_settings.es_url,
                                "GOVREPORTS_INDEX": es_settings.index}),
        capture_output=True, text=True, timeout=80, check=False,
    )
    assert time.monotonic() - started < 60  # LibreOffice's own limit (120 s) never came into it
    assert done.returncode == 1, done.stderr
    assert "5 new" in done.stdout and "1 failed" in done.stdout
    (failures,) = (tmp_path / "data" / "failures").glob("index-*.jsonl")
    (failure,) = [json.loads(line) for line in failures.read_text(encoding="utf-8").splitlines()]
    assert failure["path"].endswith("hangs.doc")
    assert failure["error"].startswith("parse_timeout: ")
    es_client.indices.refresh(index=es_settings.index)
    assert es_client.count(index=es_settings.index)["count"] == 5
    assert all_gone(pids)


# --- govreports parse ------------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_parse_names_a_swelling_file_and_prints_the_others(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))[:2]
    swells = tmp_path / "swells.doc"
    swells.write_bytes(WORD_DOC)
    env, pids = stand_in_libreoffice(tmp_path / "bin", SWELLS)
    limits = {"GOVREPORTS_PARSE_MEMORY": "400", "GOVREPORTS_PARSE_MEMORY_PER_PAGE": "0"}
    done = subprocess.run(
        [GOVREPORTS, "parse", str(seeds[0]), str(swells), str(seeds[1])],
        env=_cli_env(tmp_path, {**env, **limits}),
        capture_output=True, text=True, timeout=80, check=False,
    )
    assert done.returncode == 1
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert [report["source_url"] for report in printed] == [seed.resolve().as_uri() for seed in seeds]
    (error,) = done.stderr.splitlines()
    assert error.startswith(f"error: {swells}: parse_memory: ")
    assert "Traceback" not in done.stderr
    assert all_gone(pids)


# --- the crawl importer ----------------------------------------------------------------------

SITE = Site(name="demo", start_urls=["http://127.0.0.1:9/"])


def _fetched(archive: Archive, url: str, data: bytes, format: str) -> FetchedDocument:
    return FetchedDocument(
        site=SITE.name, url=url, format=format,  # type: ignore[arg-type]
        fetched_at=datetime(2024, 2, 1, tzinfo=UTC),
        provenance=Provenance(url=url, final_url=url, http_status=200),
        sha256=archive.put_bytes(data),
    )


@pytest.mark.timeout(90)
def test_the_importer_records_a_hanging_document_and_delivers_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, pids = stand_in_libreoffice(tmp_path / "bin", HANGS)
    monkeypatch.setenv("PATH", env["PATH"])  # the workers start with this process's environment
    archive = Archive(tmp_path)
    seed = sorted(SEEDS.glob("*.txt"))[0].read_bytes()
    documents = [
        _fetched(archive, "http://127.0.0.1:9/hangs.doc", WORD_DOC, "doc"),
        _fetched(archive, "http://127.0.0.1:9/good.txt", seed, "txt"),
    ]
    out = tmp_path / "out"
    with CrawlState.in_data_dir(tmp_path) as state:
        sink = JsonLinesSink(out)
        result = import_documents(documents, {SITE.name: SITE}, state=state, archive=archive, sink=sink,
                                  parse=default_parser(), limits=ParseLimits(seconds=5, seconds_per_page=1))
        # Counted as failed and kept in the archive: not parsed again on every crawl.
        assert state.delivered(documents[0].url, sink.key) == documents[0].sha256
    assert [outcome.status for outcome in result.outcomes] == ["failed", "new"]
    (failure,) = result.failures
    assert (failure.kind, failure.url) == ("parse", documents[0].url)
    assert failure.reason.startswith("parse_timeout: ")
    (written,) = out.glob("*.jsonl")
    assert len(written.read_text(encoding="utf-8").splitlines()) == 1
    assert all_gone(pids)


# --- the worker pool they share --------------------------------------------------------------


def hostile_job(task: str, announce: Announce) -> str:
    """Runs in a worker: `spin` backtracks for ever in C code, `swell` allocates until stopped."""
    announce(task.encode(), "txt")
    if task == "spin":
        re.match(r"(a+)+$", "a" * 64 + "b")
    if task == "swell":
        held = []
        while True:
            held.append(b"x" * (20 << 20))
            time.sleep(0.005)
    if task == "raise":
        raise ValueError("not a report")
    return task.upper()


@pytest.mark.timeout(60)
def test_a_worker_stuck_in_c_code_is_replaced_and_the_run_goes_on() -> None:
    tasks = ["a", "spin", "b", "raise", "c"]
    started = time.monotonic()
    limits = ParseLimits(seconds=3, seconds_per_page=0)
    finished = list(run_limited(hostile_job, tasks, limits=limits, workers=2))
    assert time.monotonic() - started < 30
    assert [item.task for item in finished] == tasks
    assert [item.value for item in finished] == ["A", None, "B", None, "C"]
    errors = [item.error for item in finished]
    assert isinstance(errors[1], ParseStopped) and errors[1].reason == "parse_timeout"
    assert isinstance(errors[3], ValueError) and str(errors[3]) == "not a report"


@pytest.mark.timeout(60)
def test_a_worker_over_its_memory_is_replaced_and_the_run_goes_on() -> None:
    limits = ParseLimits(seconds=60, memory_mb=400, memory_mb_per_page=0)
    finished = list(run_limited(hostile_job, ["a", "swell", "b"], limits=limits, workers=1))
    assert [item.value for item in finished] == ["A", None, "B"]
    stopped = finished[1].error
    assert isinstance(stopped, ParseStopped) and stopped.reason == "parse_memory"


def test_tasks_not_started_by_the_deadline_are_left_undone() -> None:
    finished = list(run_limited(hostile_job, ["a", "b"], limits=ParseLimits(), workers=1,
                                deadline=time.monotonic()))
    assert [getattr(item.error, "reason", None) for item in finished] == ["deadline", "deadline"]


def test_the_limits_grow_with_the_pages() -> None:
    limits = ParseLimits(seconds=60, seconds_per_page=5, memory_mb=1000, memory_mb_per_page=4)
    one_page, long_text = limits.for_document(b"x" * 100, "txt"), limits.for_document(b"x" * 30_000, "txt")
    assert (one_page.seconds, one_page.memory_bytes) == (65, 1004 * 2**20)
    assert (long_text.seconds, long_text.memory_bytes) == (110, 1040 * 2**20)
    assert limits.for_document(b"x" * 10**9, "txt") == limits.for_pages(500)  # counted up to 500 pages
