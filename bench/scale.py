"""A million reports on one node: ingest, store, memory, search, statistics and export at that size.

    .venv/bin/python bench/scale.py --reports 1000000 [--corpus data/scale-corpus] [--seconds 60]
                                    [--clients 8] [--keep] [--no-write] [--measure-only]

1. Generates the corpus with the synthetic generator (both templates, the generator's office
   names over its places, years 2019–2025; half plain text, half portal HTML) into --corpus,
   10,000 files a folder. A folder is written whole or again, so an interrupted run resumes.
2. Indexes it with `govreports index` into a throwaway index (--index), sampling the node's
   indexing counter every few seconds: the ingest rate over the first and the last 10% of the
   documents, with the machine's load average over each (other work on a shared machine
   slows one and not the other). The ingest figures are saved beside the corpus
   (`<corpus>-ingest.json`), so that `--measure-only` can measure a kept index (--keep) again.
3. Reads the store size per report, the node's heap after garbage collection (the lowest heap
   use over an idle half-minute: the floor of the sawtooth), the circuit breakers' trips and
   the fielddata memory, global ordinals among it, after the searches below have built it.
4. Waits for the merges the load left running (a million reports end in a merge of about 5 GB,
   which holds a core for minutes: searches meanwhile took 4 times as long) and empties the
   shard request cache, so that the searches meet the index as it then stays, cold.
5. Runs the search mix of `bench/search.py` at --clients clients, API and Elasticsearch direct
   side by side; times `/api/stats` by region and `/api/export.csv` of a 50,000-row selection.

Writes its section of docs/benchmarks.md. Targets on the 2-core machine: the last 10% ingested at
≥ 80% of the first 10%'s rate; search API p95 ≤ 100 ms and ≤ 1.3× direct; export ≥ 5,000 rows/s;
the heap within GOVREPORTS_ES_HEAP and no breaker tripped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from elasticsearch import Elasticsearch, NotFoundError

from govreports.es_client import build_client, delete_prefixed, ensure_reachable
from govreports.settings import Settings
from indexer.synthetic import random_report, render

sys.path.insert(0, str(Path(__file__).resolve().parent))
import index as index_bench  # bench/ is a folder of scripts, not a package
import search as search_bench
from _machine import ROOT, machine, write_section

FOLDER_SIZE = 10_000
LAYOUTS = (("tab_rows", ".txt"), ("html", ".html"))
YEARS = range(2019, 2026)
SAMPLE_S = 5.0
EXPORT_ROWS = 50_000
TARGET_TAIL_RATE = 0.8
TARGET_P95_MS = 100.0
TARGET_EXPORT_ROWS_S = 5_000.0


# --- the corpus --------------------------------------------------------------------------


def write_folder(folder: Path, number: int, count: int) -> None:
    """Folder `number` of the corpus: `count` reports drawn from a stream seeded by its number."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    rng = random.Random(number)
    for index in range(count):
        year = rng.choice(YEARS)
        report = random_report(rng, template="2019" if year <= 2020 else "2021", year=year)
        layout, suffix = LAYOUTS[index % len(LAYOUTS)]
        (partial / f"{index:05d}{suffix}").write_bytes(render(report, layout))
    partial.rename(folder)  # whole or not at all: a resumed run writes a partial folder again


def ensure_corpus(root: Path, reports: int) -> float:
    """The corpus of `reports` files under `root`; returns the seconds spent writing what was missing."""
    started = time.perf_counter()
    for number in range(-(-reports // FOLDER_SIZE)):
        folder = root / f"{number:04d}"
        if not folder.is_dir():
            write_folder(folder, number, min(FOLDER_SIZE, reports - number * FOLDER_SIZE))
            print(f"corpus: {min((number + 1) * FOLDER_SIZE, reports):,} of {reports:,}", flush=True)
    return time.perf_counter() - started


# --- ingest ------------------------------------------------------------------------------


def indexed_so_far(client: Elasticsearch, alias: str) -> int:
    """Documents the index has taken, refreshed or not (the indexing counter, not a search)."""
    try:
        stats = client.indices.stats(index=alias, metric="indexing")
    except NotFoundError:
        return 0
    return int(stats["_all"]["primaries"]["indexing"]["index_total"])


@dataclass
class Ingest:
    # (seconds since start, documents, the machine's 1-minute load average)
    samples: list[tuple[float, int, float]] = field(default_factory=list)
    seconds: float = 0.0
    summary: str = ""
    peak_pss_bytes: int = 0  # the index command and its workers, the audit after it included
    merging_after_s: float | None = None  # how long merges went on after the command ended

    def rate_between(self, low: float, high: float) -> float:
        """Documents a second while the count went from `low` to `high` (counts, interpolated)."""
        return (high - low) / (self._time_at(high) - self._time_at(low))

    def _time_at(self, count: float) -> float:
        for (t0, c0, _), (t1, c1, _) in zip(self.samples, self.samples[1:], strict=False):
            if c0 <= count <= c1 and c1 > c0:
                return t0 + (t1 - t0) * (count - c0) / (c1 - c0)
        raise ValueError(f"no sample reaches {count:.0f} documents")

    def load_between(self, low: float, high: float) -> float:
        """The mean load average sampled while the count went from `low` to `high`."""
        loads = [load for _, count, load in self.samples if low <= count <= high]
        return statistics.mean(loads) if loads else float("nan")

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def saved(cls, path: Path) -> Ingest:
        try:
            saved = json.loads(path.read_text())
        except FileNotFoundError:
            raise SystemExit(
                f"--measure-only: no ingest figures at {path}; run the bench without it"
            ) from None
        samples = [(t, c, load) for t, c, load in saved["samples"]]
        return cls(
            samples,
            saved["seconds"],
            saved["summary"],
            saved["peak_pss_bytes"],
            saved.get("merging_after_s"),  # not in figures saved before it was measured
        )


def run_index(settings: Settings, corpus: Path, alias: str, data_dir: Path) -> Ingest:
    """`govreports index CORPUS` in its own process, its progress sampled from the node."""
    client = build_client(settings)
    command = [str(Path(sys.executable).parent / "govreports"), "index", str(corpus)]
    env = {**os.environ, "GOVREPORTS_ES_URL": settings.es_url, "GOVREPORTS_INDEX": alias,
           "GOVREPORTS_DATA_DIR": str(data_dir)}  # fmt: skip
    ingest = Ingest()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    with index_bench.ProcessTreeWatch(process.pid) as memory:
        while process.poll() is None:
            ingest.samples.append(
                (time.perf_counter() - started, indexed_so_far(client, alias), os.getloadavg()[0])
            )
            time.sleep(SAMPLE_S)
    reader.join()
    ingest.peak_pss_bytes = memory.peak_pss
    ingest.seconds = time.perf_counter() - started
    ingest.samples.append((ingest.seconds, indexed_so_far(client, alias), os.getloadavg()[0]))
    if process.returncode != 0:
        raise SystemExit(f"govreports index failed ({process.returncode}): {''.join(output)[-2000:]}")
    ingest.summary = "; ".join(line.strip() for line in output if line.strip())
    return ingest


# --- the node ----------------------------------------------------------------------------


def merges_running(client: Elasticsearch, alias: str) -> int:
    return int(client.indices.stats(index=alias, metric="merge")["_all"]["primaries"]["merges"]["current"])


def settle(client: Elasticsearch, alias: str, timeout_s: float = 3600.0) -> float:
    """Seconds until no merge runs on the reports index; then its request cache is emptied, so
    the searches start cold, as after a refresh."""
    started = time.perf_counter()
    while merges_running(client, alias):
        if time.perf_counter() - started > timeout_s:
            raise SystemExit(f"merges still running after {timeout_s:.0f} s")
        time.sleep(SAMPLE_S)
    client.indices.clear_cache(index=alias, request=True)
    return time.perf_counter() - started


@dataclass(frozen=True)
class NodeFigures:
    store_bytes: int
    documents: int
    heap_floor_bytes: int
    heap_max_bytes: int
    breaker_trips: dict[str, int]
    fielddata_bytes: int


def node_figures(client: Elasticsearch, alias: str, idle_s: float = 30.0) -> NodeFigures:
    client.indices.refresh(index=alias)
    stats = client.indices.stats(index=alias, metric="store,docs")["_all"]["primaries"]
    heap_used, heap_max = [], 0
    deadline = time.monotonic() + idle_s
    while time.monotonic() < deadline:  # the floor of the sawtooth: the heap right after a collection
        jvm = next(iter(client.nodes.stats(metric="jvm")["nodes"].values()))["jvm"]["mem"]
        heap_used.append(int(jvm["heap_used_in_bytes"]))
        heap_max = int(jvm["heap_max_in_bytes"])
        time.sleep(0.5)
    node = next(iter(client.nodes.stats(metric="breaker,indices")["nodes"].values()))
    return NodeFigures(
        store_bytes=int(stats["store"]["size_in_bytes"]),
        documents=int(stats["docs"]["count"]),
        heap_floor_bytes=min(heap_used),
        heap_max_bytes=heap_max,
        breaker_trips={name: int(info["tripped"]) for name, info in node["breakers"].items()},
        fielddata_bytes=int(node["indices"]["fielddata"]["memory_size_in_bytes"]),
    )


# --- statistics and export ---------------------------------------------------------------


def timed_get(http: httpx.Client, path: str, params: dict[str, Any]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = http.get(path, params=params)
    response.raise_for_status()
    return time.perf_counter() - started, response


def stats_by_region(http: httpx.Client, runs: int = 5) -> list[float]:
    """Seconds of `/api/stats` grouped by province, `runs` times (the first one cold)."""
    return [timed_get(http, "/api/stats", {"group_by": "province"})[0] for _ in range(runs)]


Export = tuple[dict[str, Any], int, float]  # the selection, its rows, the seconds they took


def export_selection(client: Elasticsearch, alias: str) -> dict[str, Any]:
    """The selection whose reports number nearest 50,000: a year, a province, or both."""
    provinces = {"provinces": {"terms": {"field": "region.province", "size": 100}}}
    body: dict[str, Any] = {
        "years": {"terms": {"field": "year", "size": 50}, "aggs": provinces},
        **provinces,
    }
    answer = client.search(index=alias, size=0, aggs=body)["aggregations"]
    choices: list[tuple[int, dict[str, Any]]] = []
    for province in answer["provinces"]["buckets"]:
        choices.append((province["doc_count"], {"province": province["key"]}))
    for year in answer["years"]["buckets"]:
        choices.append((year["doc_count"], {"year": year["key"]}))
        for province in year["provinces"]["buckets"]:
            choices.append((province["doc_count"], {"year": year["key"], "province": province["key"]}))
    return min(choices, key=lambda choice: abs(choice[0] - EXPORT_ROWS))[1]


def export_rate(http: httpx.Client, client: Elasticsearch, alias: str) -> Export:
    """The selection, rows and seconds of `/api/export.csv` over a selection of about 50,000 rows."""
    selection = export_selection(client, alias)
    seconds, response = timed_get(http, "/api/export.csv", selection)
    rows = max(response.text.count("\n") - 1, 0)  # less the header
    return selection, rows, seconds


def gib(size: int) -> float:
    return size / 2**30


def mib(size: int) -> float:
    return size / 2**20


def delete_index(client: Elasticsearch, alias: str) -> None:
    """Every index named from `alias`: the report indices behind it, the monitor's and the audit's
    (an earlier run's audit ledger would make this run's audit incremental)."""
    delete_prefixed(client, alias)


# --- the report --------------------------------------------------------------------------


def section(args: argparse.Namespace, ingest: Ingest, node: NodeFigures, api: Any, direct: Any,
            stats_s: list[float], export: Export, heap_setting: str) -> str:  # fmt: skip
    total = node.documents
    first = ingest.rate_between(0, total * 0.1)
    last = ingest.rate_between(total * 0.9, total)
    selection, rows, export_s = export
    export_rows_s = rows / export_s
    api_p95, direct_p95 = api.percentile(0.95), direct.percentile(0.95)
    trips = sum(node.breaker_trips.values())
    verdicts = {
        "ingest": last >= TARGET_TAIL_RATE * first,
        "search": api_p95 <= TARGET_P95_MS and api_p95 <= search_bench.TARGET_RATIO * direct_p95,
        "export": export_rows_s >= TARGET_EXPORT_ROWS_S,
        "heap": node.heap_floor_bytes <= node.heap_max_bytes and trips == 0,
    }
    met = ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in verdicts.items())
    rows_of_table = [
        (
            "ingest, first 10%",
            f"{first:.0f} reports/s (load average {ingest.load_between(0, total * 0.1):.1f})",
            "",
        ),
        (
            "ingest, last 10%",
            f"{last:.0f} reports/s ({last / first:.0%} of the first; load average"
            f" {ingest.load_between(total * 0.9, total):.1f})",
            f"≥ {TARGET_TAIL_RATE:.0%}",
        ),
        (
            "store",
            f"{gib(node.store_bytes):.1f} GiB, {node.store_bytes / total / 1024:.1f} KiB a report",
            "",
        ),
        (
            "heap after GC",
            f"{mib(node.heap_floor_bytes):.0f} of {mib(node.heap_max_bytes):.0f} MiB",
            "within",
        ),
        ("circuit-breaker trips", str(trips), "0"),
        (
            "`govreports index` peak memory (PSS, workers and audit)",
            f"{mib(ingest.peak_pss_bytes):.0f} MiB",
            "",
        ),
        ("fielddata (global ordinals among it)", f"{mib(node.fielddata_bytes):.1f} MiB", ""),
        (
            f"search API p95, {args.clients} clients",
            f"{api_p95:.1f} ms ({api_p95 / direct_p95:.2f}× direct {direct_p95:.1f} ms)",
            f"≤ {TARGET_P95_MS:.0f} ms, ≤ {search_bench.TARGET_RATIO}×",
        ),
        (
            "`/api/stats` by province",
            f"cold {stats_s[0] * 1000:.0f} ms, then median {statistics.median(stats_s[1:]) * 1000:.0f} ms",
            "",
        ),
        (
            f"`/api/export.csv` of {selection}, {rows:,} rows",
            f"{export_s:.1f} s, {export_rows_s:,.0f} rows/s",
            f"≥ {TARGET_EXPORT_ROWS_S:,.0f} rows/s",
        ),
    ]
    table = "\n".join(f"| {name} | {value} | {target} |" for name, value, target in rows_of_table)
    return f"""
## Reports at scale on one node (`bench/scale.py`)

Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; load average {os.getloadavg()[0]:.1f} at the end.
Elasticsearch: the project's single local node, heap {heap_setting}. Corpus: {args.reports:,} synthetic
reports (both templates, years 2019–2025, half plain text and half portal HTML), indexed by
`govreports index` in {ingest.seconds / 60:.0f} min ({ingest.summary}).
{merging_line(ingest)}The searches, statistics and export below ran once no merge was running, from an
empty request cache.
The ingest rates are the node's (documents it took a second): a run of this size parses and audits
every report first, then writes them.

| figure | value | target |
|---|---|---|
{table}

Targets: {met}.
"""


def merging_line(ingest: Ingest) -> str:
    if ingest.merging_after_s is None:
        return ""
    return f"Merges went on for {ingest.merging_after_s:.0f} s after the command ended. "


def build_index(settings: Settings, args: argparse.Namespace, saved_ingest: Path) -> Ingest:
    """A fresh index of the corpus (written first where missing); its ingest figures, also saved."""
    delete_index(build_client(settings), args.index)
    print(f"corpus written in {ensure_corpus(args.corpus, args.reports):.0f} s", flush=True)
    data_dir = args.corpus.with_name(args.corpus.name + "-data")
    shutil.rmtree(data_dir, ignore_errors=True)
    ingest = run_index(settings, args.corpus, args.index, data_dir)
    ingest.merging_after_s = settle(build_client(settings), args.index)
    ingest.save(saved_ingest)
    print(f"indexed in {ingest.seconds:.0f} s: {ingest.summary}", flush=True)
    return ingest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--corpus", type=Path, default=ROOT / "data" / "scale-corpus")
    parser.add_argument("--index", default="bench-scale", help="the throwaway alias to index into")
    parser.add_argument("--seconds", type=float, default=60.0, help="search load, each way")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mix", type=int, default=500, help="distinct queries in the search mix")
    parser.add_argument("--keep", action="store_true", help="keep the index (the corpus is always kept)")
    parser.add_argument("--no-write", action="store_true", help="print the results, leave docs/ alone")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the index a run with --keep left, with that run's ingest figures",
    )
    args = parser.parse_args()
    settings = Settings().model_copy(update={"index": args.index})
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    saved_ingest = args.corpus.with_name(args.corpus.name + "-ingest.json")
    if args.measure_only:
        ingest = Ingest.saved(saved_ingest)
        settle(client, args.index)
    else:
        ingest = build_index(settings, args, saved_ingest)  # settled after the load, and timed

    port = search_bench.free_port()
    api_process = search_bench.start_api(settings, port)
    try:
        api, direct = asyncio.run(search_bench.run_both(settings, args, port, api_process.pid))
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
            stats_s = stats_by_region(http)
            export = export_rate(http, client, args.index)
    finally:
        api_process.terminate()
        api_process.wait(timeout=30)
    node = node_figures(client, args.index)
    body = section(args, ingest, node, api, direct, stats_s, export, settings.es_heap)
    print(body)
    if not args.keep:
        delete_index(client, args.index)
    if not args.no_write:
        write_section("scale", body)


if __name__ == "__main__":
    main()
