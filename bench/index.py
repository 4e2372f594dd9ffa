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
import resource
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from govreports.es_client import build_client, ensure_reachable
from govreports.settings import Settings
from indexer import run
from indexer.lifecycle import ensure_index, indices_behind
from indexer.synthetic import random_report, render
from indexer.writer import index_reports

sys.path.insert(0, str(Path(__file__).resolve().parent))
from segment import stamp, write_section  # bench/ is a folder of scripts, not a package

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


def _rss_bytes(pid: int) -> int:
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakMemory:
    """Samples the resident memory of this process and all its descendants twice a second."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.processes = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            family, frontier = [self.pid], [self.pid]
            while frontier:
                frontier = [child for parent in frontier for child in _children(parent)]
                family += frontier
            total = sum(_rss_bytes(pid) for pid in family)
            if total > self.peak:
                self.peak, self.processes = total, len(family)

    def __enter__(self) -> PeakMemory:
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
    peak_rss: int
    processes: int
    parent_cpu_s: float
    workers_cpu_s: float
    line: str

    def cpu_note(self) -> str:
        workers_ms, parent_ms = (
            cpu_s / self.reports * 1000 for cpu_s in (self.workers_cpu_s, self.parent_cpu_s)
        )
        return (
            f"CPU per report ({self.reports:,} run): {workers_ms:.1f} ms in the workers (parse + segment), "
            f"{parent_ms:.1f} ms in the parent (mget, bulk, journal); Elasticsearch's share comes on top."
        )

    def row(self) -> str:
        rate = self.reports / self.seconds
        verdict = "yes" if rate >= 300 and self.peak_rss <= 600 * 2**20 else "no"
        return (
            f"| {self.reports:,} | {self.megabytes:.0f} MB | {self.seconds:.0f} s | {rate:.0f} | "
            f"{self.peak_rss / 2**20:.0f} MB ({self.processes} processes) | "
            f"{self.parent_cpu_s:.0f} s + {self.workers_cpu_s:.0f} s | {verdict} | {self.line} |"
        )


def measure(count: int, workers: int, settings: Settings) -> Measurement:
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    alias = f"bench-index-{count}"
    with tempfile.TemporaryDirectory(prefix="govreports-bench-") as scratch:
        folder, data_dir = Path(scratch) / "reports", Path(scratch) / "data"
        folder.mkdir()
        size = generate(folder, count)
        options = run.Options(workers=workers)
        try:
            before = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
            with PeakMemory(pid=os.getpid()) as memory:
                started = time.perf_counter()
                result = run.index_paths(client, alias, data_dir, [folder], options)
                seconds = time.perf_counter() - started
            after = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
        finally:
            for index in indices_behind(client, alias):
                client.indices.delete(index=index)
    parent_cpu, workers_cpu = (_cpu_s(then, now) for then, now in zip(before, after, strict=True))
    return Measurement(
        count, size / 1e6, seconds, memory.peak, memory.processes, parent_cpu, workers_cpu, result.line()
    )


def _cpu_s(before: resource.struct_rusage, after: resource.struct_rusage) -> float:
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


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
            "Synthetic reports, half plain text (tables as TAB rows) and half portal HTML pages, indexed as",
            "`govreports index FOLDER` does: parse + segment in one worker process per core, bulk requests",
            "of 500 from the parent, into the shared local Elasticsearch (1 GB heap). Memory is the peak",
            "resident set of the indexer and its workers, sampled twice a second; Elasticsearch is not",
            "counted. Target: >= 300 reports/s and <= 600 MB.",
            "",
            "| reports | input | time | reports/s | peak memory | CPU parent + workers | met | summary |",
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
