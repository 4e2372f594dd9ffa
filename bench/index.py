"""End-to-end indexing speed and memory: files -> parse + segment (worker processes) -> bulk.

    .venv/bin/python bench/index.py --reports 10000 [--reports 100000] [--workers 0]

Generates synthetic reports (`indexer.synthetic`), half as plain text and half as
portal HTML pages, into a temporary folder (not timed), then runs the same job as
`govreports index FOLDER` into a throwaway index on GOVREPORTS_ES_URL and measures
reports per second and the peak resident memory of this process plus its workers
(Elasticsearch excluded). Writes its section of docs/benchmarks.md.
Targets on a 2-core machine: at least 300 reports/s, at most 600 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from elasticsearch import Elasticsearch

from govreports.es_client import build_client, ensure_reachable
from govreports.settings import Settings
from indexer.lifecycle import ensure_index, indices_behind
from indexer.synthetic import random_report, render
from indexer.writer import index_reports
from monitor.indices import MonitorIndices

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import stamp, write_section  # bench/ is a folder of scripts, not a package

PROC = Path("/proc")
LAYOUTS = ("tab_rows", "html")


def generate(folder: Path, count: int) -> int:
    """Write `count` report files; returns their total size in bytes."""
    rng = random.Random(count)
    size = 0
    for n in range(count):
        layout = LAYOUTS[n % len(LAYOUTS)]
        data = render(random_report(rng), layout)
        suffix = ".txt" if layout == "tab_rows" else ".html"
        (folder / f"{n:06d}{suffix}").write_bytes(data)
        size += len(data)
    return size


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _kilobytes(text: str, field: str) -> int:
    return next((int(line.split()[1]) * 1024 for line in text.splitlines() if line.startswith(field)), 0)


def _status(pid: int) -> tuple[int, int, float]:
    """(resident bytes, proportional bytes, CPU seconds so far) of `pid`; zeros once it is gone.

    Forked workers share the parent's pages: resident sizes count them once per process,
    proportional sizes (PSS) split them, so their sum is the memory really used.
    """
    try:
        status = (PROC / str(pid) / "status").read_text()
        rollup = (PROC / str(pid) / "smaps_rollup").read_text()
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0, 0, 0.0
    utime, stime = stat[stat.rindex(")") + 2 :].split()[11:13]
    cpu = (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")
    return _kilobytes(status, "VmRSS:"), _kilobytes(rollup, "Pss:"), cpu


class ProcessTreeWatch:
    """Samples a process and its descendants twice a second: peak memory, and CPU per process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = self.peak_pss = self.peak_parent = self.peak_worker = self.processes = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            family, frontier = [self.pid], [self.pid]
            while frontier:
                frontier = [child for parent in frontier for child in _children(parent)]
                family += frontier
            seen = {pid: _status(pid) for pid in family}
            for pid, (_, _, cpu) in seen.items():
                self.cpu[pid] = max(cpu, self.cpu.get(pid, 0.0))
            rss = sum(rss for rss, _, _ in seen.values())
            if rss > self.peak_rss:
                self.peak_rss, self.processes = rss, len(family)
            self.peak_pss = max(self.peak_pss, sum(pss for _, pss, _ in seen.values()))
            self.peak_parent = max(self.peak_parent, seen[self.pid][0])
            self.peak_worker = max(
                [self.peak_worker, *(rss for pid, (rss, _, _) in seen.items() if pid != self.pid)]
            )

    @property
    def parent_cpu_s(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    @property
    def workers_cpu_s(self) -> float:
        return sum(cpu for pid, cpu in self.cpu.items() if pid != self.pid)

    def __enter__(self) -> ProcessTreeWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Measurement:
    reports: int
    megabytes: float
    seconds: float
    watch: ProcessTreeWatch
    line: str

    def cpu_note(self) -> str:
        workers_ms, parent_ms = (
            cpu_s / self.reports * 1000 for cpu_s in (self.watch.workers_cpu_s, self.watch.parent_cpu_s)
        )
        return (
            f"CPU per report ({self.reports:,} run): {workers_ms:.1f} ms in the workers (parse + segment), "
            f"{parent_ms:.1f} ms in the parent (mget, bulk, journal); Elasticsearch's share comes on top."
        )

    def row(self) -> str:
        rate, watch = self.reports / self.seconds, self.watch
        verdict = "yes" if rate >= 300 and watch.peak_pss <= 600 * 2**20 else "no"
        peaks = (watch.peak_pss, watch.peak_rss, watch.peak_parent, watch.peak_worker)
        pss, rss, parent, worker = (value / 2**20 for value in peaks)
        processes = f"{watch.processes} processes: parent {parent:.0f}, worker {worker:.0f}"
        memory = f"{pss:.0f} PSS, {rss:.0f} RSS ({processes})"
        cpu = f"{watch.parent_cpu_s:.0f} s + {watch.workers_cpu_s:.0f} s"
        cells = [
            f"{self.reports:,}",
            f"{self.megabytes:.0f} MB",
            f"{self.seconds:.0f} s",
            f"{rate:.0f}",
            memory,
            cpu,
        ]
        return "| " + " | ".join([*cells, verdict, self.line]) + " |"


def _delete(client: Elasticsearch, alias: str) -> None:
    """The report indices behind `alias` and its monitor indices (the versions ledger among them)."""
    for index in [*indices_behind(client, alias), *MonitorIndices(alias).all()]:
        client.indices.delete(index=index, ignore_unavailable=True)


def measure(count: int, workers: int, settings: Settings) -> Measurement:
    """`govreports index FOLDER` in its own process, so generating the reports does not count."""
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    alias = f"bench-index-{count}"
    _delete(client, alias)  # an earlier run's ledger would make this one an incremental run
    with tempfile.TemporaryDirectory(prefix="govreports-bench-") as scratch:
        folder, data_dir = Path(scratch) / "reports", Path(scratch) / "data"
        folder.mkdir()
        size = generate(folder, count)
        command = [
            str(Path(sys.executable).parent / "govreports"),
            "index",
            str(folder),
            "--workers",
            str(workers),
        ]
        env = {**os.environ, "GOVREPORTS_ES_URL": settings.es_url, "GOVREPORTS_INDEX": alias}
        env["GOVREPORTS_DATA_DIR"] = str(data_dir)
        try:
            started = time.perf_counter()
            indexer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
            with ProcessTreeWatch(indexer.pid) as watch:
                summary, _ = indexer.communicate()
            seconds = time.perf_counter() - started
        finally:
            _delete(client, alias)
    if indexer.returncode != 0:
        raise SystemExit(f"govreports index failed ({indexer.returncode}): {summary}")
    # The first line is the index summary; the notify line after it says no subscription heard of it.
    return Measurement(count, size / 1e6, seconds, watch, summary.strip().splitlines()[0])


def measure_without_parsing(count: int, settings: Settings) -> str:
    """The indexer's own share: segment + mget + bulk of already-built reports, in this one process."""
    client = build_client(settings)
    rng = random.Random(count)
    reports = [random_report(rng).truth for _ in range(count)]
    alias = f"bench-index-noparse-{count}"
    ensure_index(client, alias)
    try:
        started = time.perf_counter()
        index_reports(client, alias, reports)
        seconds = time.perf_counter() - started
    finally:
        for index in indices_behind(client, alias):
            client.indices.delete(index=index)
    return (
        f"Without parsing (`index_reports` on {count:,} ready-made reports: segmentation, mget and bulk "
        f"in one process, no workers): {seconds:.0f} s, {count / seconds:.0f} reports/s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--reports", type=int, action="append", help="reports per run (repeatable)")
    parser.add_argument("--workers", type=int, default=0, help="parsing processes (0: one per core)")
    arguments = parser.parse_args()
    settings = Settings()
    measurements = []
    for count in arguments.reports or [10_000]:
        measurements.append(measure(count, arguments.workers, settings))
        print(measurements[-1].row(), flush=True)
    largest = measurements[-1]
    without_parsing = measure_without_parsing(arguments.reports[0] if arguments.reports else 10_000, settings)
    print(without_parsing, flush=True)
    body = "\n".join(
        [
            "## Indexing end to end (`bench/index.py`)",
            "",
            stamp(),
            "Synthetic reports, half plain text (tables as TAB rows) and half portal HTML pages, generated",
            "first, then indexed by `govreports index FOLDER` in its own process: parse + segment in one",
            "worker process per core, bulk requests of 500 from the parent, into the shared local",
            "Elasticsearch (1 GB heap). Memory is that process and its workers, sampled twice a second",
            "(Elasticsearch not counted): the peak of the summed PSS (shared pages split between the",
            "processes: the memory really used) and of the summed RSS (shared pages counted in every",
            "process: the modules every Python process loads). The processes are the parent, one spawned",
            "worker per core and multiprocessing's resource tracker. Target: >= 300 reports/s and <= 600 MB.",
            "",
            "| reports | input | time | reports/s | peak memory, MB | CPU parent + workers | met | summary |",
            "|---|---|---|---|---|---|---|---|",
            *(measurement.row() for measurement in measurements),
            "",
            largest.cpu_note(),
            "",
            without_parsing,
        ]
    )
    write_section("index", body)


if __name__ == "__main__":
    main()
