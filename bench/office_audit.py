"""The audit across the years over a large index, as a product user meets it: a fresh `govreports
index` of the corpus with its audit, against the same index run without the audit; a full
`govreports audit`; then an index run adding 1,000 new reports and the audit after it.

    .venv/bin/python bench/office_audit.py [--offices 14500] [--new 1000] [--keep]

Generates series of offices over 2019–2025 (`indexer.synthetic.series`: numbers that chain, a
share of them with planted departures, some narratives copied across offices; about 1,000
characters of narrative a report), holds back `--new` of the 2025 reports, and saves the rest
as one JSON line each. An index run reads them back (no parser: the reports are generated, so
what is timed is segmentation on the worker processes, the writer and the audit) through the
indexer's job (`indexer.run.index_items`, as `govreports index` runs it) into a throwaway index
on GOVREPORTS_ES_URL: once without the audit, once with it (a run that large is audited before
it writes, each report written once with its audit fields). Every run and audit is a fresh
process, timed by its wall clock, its CPU and its peak resident memory. Writes its section of
docs/benchmarks.md. Targets on a 2-core machine: full ≤ 120 s, incremental ≤ 10 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# This script is named like the package it measures, and its own folder comes first on the path:
# the project's root goes before it, so that `audit` is the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _machine import stamp, write_section  # bench/ is a folder of scripts, not a package

from audit.run import AuditFirst, AuditSummary, full_audit, incremental_audit
from govreports.es_client import build_client, delete_prefixed, ensure_reachable
from govreports.model import Report
from govreports.settings import Settings
from indexer import run
from indexer.limits import Announce
from indexer.synthetic.series import corpus, reports_of

TODAY = date(2026, 6, 1)
FULL_TARGET_S = 120.0
INCREMENTAL_TARGET_S = 10.0


@dataclass(frozen=True)
class SavedReport(run.FileItem):
    """A generated report saved as one JSON line of a file (at `offset`, `length` bytes)."""

    offset: int = 0
    length: int = 0

    @property
    def key(self) -> str:
        return f"{self.path}:{self.offset}"

    def parse(self, announce: Announce) -> Report:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            data = file.read(self.length)
        announce(data, "json")
        return Report.model_validate_json(data)


def saved(reports: list[Report], path: Path) -> list[run.WorkItem]:
    items: list[run.WorkItem] = []
    with path.open("wb") as file:
        for report in reports:
            line = report.model_dump_json().encode()
            items.append(SavedReport(path, "generated", file.tell(), len(line)))
            file.write(line + b"\n")
    return items


@dataclass
class Timed:
    label: str
    wall: float
    cpu: float
    peak_mb: float
    line: str
    updated: int = 0
    index_total: int = 0  # indexing operations on the report index, updates included
    load: float = 0.0  # the machine's load average (1 minute) when it ended


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _settings(alias: str, data_dir: Path) -> Settings:
    return Settings().model_copy(update={"index": alias, "data_dir": data_dir})


def _indexing_total(client: Any, alias: str) -> int:
    stats = client.indices.stats(index=alias, metric="indexing")
    return int(stats["_all"]["primaries"]["indexing"]["index_total"])


def _index_run(alias: str, data_dir: Path, items: list[run.WorkItem], with_audit: bool) -> Timed:
    """An index run as `govreports index` makes it (the audit before writing when `with_audit`)."""
    settings = _settings(alias, data_dir)
    client = build_client(settings)
    audits: list[AuditSummary] = []

    def audit_first(index: str) -> AuditFirst:
        return AuditFirst(client, settings, index, today=TODAY, report=audits.append)

    options = run.Options(
        audit_first=audit_first if with_audit else None, audit_first_at=settings.index_audit_first_at
    )
    wall, cpu = time.monotonic(), time.process_time()
    result = run.index_items(client, alias, data_dir, options, items, "bench")
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    line = "; ".join([result.line(), *(summary.line() for summary in audits)])
    label = "index run with its audit" if with_audit else "index run without the audit"
    return Timed(label, wall, cpu, _peak_mb(), line, index_total=_indexing_total(client, alias))


def _audit(alias: str, data_dir: Path, touched: list[str] | None) -> Timed:
    """One audit, as `govreports audit` (or the audit after a small index run) runs it."""
    settings = _settings(alias, data_dir)
    client = build_client(settings)
    wall, cpu = time.monotonic(), time.process_time()
    if touched is None:
        summary = full_audit(client, settings, today=TODAY)
    else:
        summary = incremental_audit(client, settings, touched, today=TODAY)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    return Timed(summary.mode, wall, cpu, _peak_mb(), summary.line(), updated=summary.updated)


def _reply(pipe: Connection, call: Callable[..., Timed], *args: Any) -> None:
    pipe.send(call(*args))


def in_child(label: str, call: Callable[..., Timed], *args: Any) -> Timed:
    """`call(*args)` in a fresh spawned process (not a pool's: the index run starts workers of its own)."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_reply, args=(sending, call, *args))
    child.start()
    timed: Timed = receiving.recv()
    child.join()
    timed.label, timed.load = label, os.getloadavg()[0]
    print(
        f"{label}: {timed.wall:.1f} s wall, {timed.cpu:.1f} s CPU, {timed.peak_mb:.0f} MB: {timed.line}",
        flush=True,
    )
    return timed


def held_back(reports: list[Report], count: int, seed: int) -> tuple[list[Report], list[Report]]:
    latest = [report for report in reports if report.year == 2025]
    new = set(random.Random(seed).sample(range(len(latest)), min(count, len(latest))))
    chosen = {latest[position].id for position in new}
    return [report for report in reports if report.id not in chosen], [latest[position] for position in new]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--offices", type=int, default=14_500, help="offices, 7 years each (some skip one)")
    parser.add_argument(
        "--new", type=int, default=1000, help="2025 reports held back for the incremental run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the indices afterwards")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = parser.parse_args()

    settings = Settings()
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    alias = f"bench-audit-{uuid.uuid4().hex[:8]}"
    plain = f"{alias}-plain"
    work = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    started = time.monotonic()
    series = corpus(
        seed=2026, offices=args.offices, departing=0.3, copies_across=args.offices // 50, sentences=(25, 40)
    )
    reports = reports_of(series)
    base, new = held_back(reports, args.new, seed=7)
    narrative = sum(len(report.text) for report in reports) / len(reports)
    base_items, new_items = saved(base, work / "base.jsonl"), saved(new, work / "new.jsonl")
    new_ids = [report.id for report in new]
    counts = (len(base), len(new), len(series))
    del series, reports, base, new
    print(
        f"generated {sum(counts[:2])} reports of {counts[2]} offices in {time.monotonic() - started:.0f} s; "
        f"{narrative:.0f} characters of narrative a report",
        flush=True,
    )
    load_before = os.getloadavg()[0]
    try:
        without = in_child(
            "index run without the audit", _index_run, plain, work / "plain", base_items, False
        )
        former = in_child("then a first full audit (as before)", _audit, plain, work / "plain", None)
        delete_prefixed(client, plain)
        with_audit = in_child(
            "index run with its audit", _index_run, alias, work / "audited", base_items, True
        )
        again = in_child("full audit (`govreports audit`)", _audit, alias, work / "audited", None)
        adding = in_child("indexing the new reports", _index_run, alias, work / "audited", new_items, False)
        incremental = in_child("incremental audit", _audit, alias, work / "audited", new_ids)
        check = in_child("full audit, check", _audit, alias, work / "audited", None)
        findings = client.count(index=f"{alias}-findings")["count"]
    finally:
        if not args.keep:
            delete_prefixed(client, alias)
        shutil.rmtree(work, ignore_errors=True)
    body = report_section(
        counts,
        narrative,
        findings,
        [without, former, with_audit, again, adding, incremental],
        check,
        load_before,
    )
    print(body)
    if not args.no_write:
        write_section("audit", body)


def report_section(
    counts: tuple[int, int, int],
    narrative: float,
    findings: int,
    runs: list[Timed],
    check: Timed,
    load_before: float,
) -> str:
    base, new, offices = counts
    without, former, with_audit, again, adding, incremental = runs
    rows = "\n".join(
        f"| {run_.label} | {run_.wall:.1f} s | {run_.cpu:.1f} s | {run_.peak_mb:.0f} MB | {run_.load:.1f} | "
        f"{run_.line.replace('|', '/')} |"
        for run_ in runs
    )
    audit_cost = with_audit.wall - without.wall
    per_report = (with_audit.peak_mb - without.peak_mb) * 2**20 / base
    full_met = "met" if again.wall <= FULL_TARGET_S else "not met"
    first_met = "met" if audit_cost <= FULL_TARGET_S else "not met"
    incremental_met = "met" if incremental.wall <= INCREMENTAL_TARGET_S else "not met"
    return f"""## The audit across the years (`bench/office_audit.py`)

{stamp()} Load average {load_before:.1f} when the
timed runs began: other developers share the 2 cores and the Elasticsearch node, so every figure
here is an upper bound for a quiet machine.
Corpus: {base:,} synthetic reports of {offices:,} offices over 2019–2025 (series whose numbers chain, 30%
of them with planted departures, {offices // 50} narratives copied across offices; {narrative:.0f} characters
of text a report), then {new:,} more 2025 reports in a second index run. Each index run is the
indexer's job as `govreports index` runs it (segmentation on 2 worker processes, the writer,
the audit), reading the generated reports back from a file instead of parsing documents.
Elasticsearch on the same machine (single node, 1 GB heap). Every row is a fresh process: its
wall clock, its CPU and its peak resident memory (the parsing workers' and Elasticsearch's
CPU come on top). {findings:,} findings in the end.

| run | wall | CPU (that process) | peak memory | load after | summary |
|---|---|---|---|---|---|
{rows}

A fresh index run writes each report once: {with_audit.index_total:,} indexing operations on the report
index for {base:,} reports with the audit ({without.index_total:,} without it; the former way, the run
then a first full audit, made {without.index_total + former.updated:,}). The index run with its audit takes
**{with_audit.wall:.0f} s**, against {without.wall + former.wall:.0f} s for the run and then the first
full audit as before: the audit adds **{audit_cost:.0f} s** to the run (before: {former.wall:.0f} s). A full
`govreports audit` of the index takes **{again.wall:.0f} s**.
Targets: a full audit ≤ {FULL_TARGET_S:.0f} s: **{full_met}** for `govreports audit`
({again.wall:.0f} s), **{first_met}** for the audit's share of a fresh index run ({audit_cost:.0f} s).
Incremental after {new:,} new reports (indexed in {adding.wall:.1f} s) ≤ {INCREMENTAL_TARGET_S:.0f} s:
**{incremental_met}** ({incremental.wall:.1f} s). A full audit after the incremental one changed
{check.updated} reports: both end in the same state.

Memory: the index run with its audit peaked {with_audit.peak_mb - without.peak_mb:.0f} MB above the same run
without it, {per_report:,.0f} bytes a report (`docs/audit.md`, "Memory").
"""


if __name__ == "__main__":
    main()
