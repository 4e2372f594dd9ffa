"""The audit across the years over a large index: a full `govreports audit`, and the audit after
an index run that adds 1,000 new reports.

    .venv/bin/python bench/audit.py [--offices 14500] [--new 1000] [--keep]

Generates series of offices over 2019–2025 (`indexer.synthetic.series`: numbers that chain, a
share of them with planted departures, some narratives copied across offices; about 1,000
characters of narrative a report), holds back `--new` of the 2025 reports, and indexes the
rest through the indexer's writer into a throwaway index on GOVREPORTS_ES_URL (not timed).
Then times, in this process: the first full audit (everything written), a second full audit
(everything recomputed, nothing left to write), the writer adding the held-back reports, and
the incremental audit of them; a last full audit checks the incremental one left nothing to
change. Writes its section of docs/benchmarks.md.
Targets on a 2-core machine: full ≤ 120 s, incremental ≤ 10 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

# This script is named like the package it measures: its own folder (first on the path when it
# runs) must not shadow `audit`. `_machine` is imported from it below, by its full path.
BENCH = Path(__file__).resolve().parent
while str(BENCH) in sys.path:
    sys.path.remove(str(BENCH))

from audit.run import AuditSummary, full_audit, incremental_audit
from govreports.es_client import build_client, delete_prefixed, ensure_reachable
from govreports.model import Report
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.synthetic.series import corpus, reports_of
from indexer.writer import index_reports

sys.path.append(str(BENCH))
from _machine import stamp, write_section  # bench/ is a folder of scripts, not a package

TODAY = date(2026, 6, 1)
FULL_TARGET_S = 120.0
INCREMENTAL_TARGET_S = 10.0
T = TypeVar("T")


@dataclass
class Timed:
    label: str
    wall: float
    cpu: float
    line: str


def timed(label: str, call: Callable[[], T]) -> tuple[T, Timed]:
    wall, cpu = time.monotonic(), time.process_time()
    value = call()
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    line = value.line() if isinstance(value, AuditSummary) else ""
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU {line}", flush=True)
    return value, Timed(label, wall, cpu, line)


def held_back(reports: list[Report], count: int, seed: int) -> tuple[list[Report], list[Report]]:
    latest = [report for report in reports if report.year == 2025]
    new = set(random.Random(seed).sample(range(len(latest)), min(count, len(latest))))
    chosen = {latest[position].id for position in new}
    return [report for report in reports if report.id not in chosen], [latest[position] for position in new]


def index_all(client: object, alias: str, reports: list[Report]) -> list[str]:
    summary = index_reports(client, alias, reports)  # type: ignore[arg-type]
    if summary.failed:
        raise RuntimeError(f"not indexed: {summary.line()}")
    return [outcome.id for outcome in summary.outcomes if outcome.id]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--offices", type=int, default=14_500, help="offices, 7 years each (some skip one)")
    parser.add_argument(
        "--new", type=int, default=1000, help="2025 reports held back for the incremental run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the index afterwards")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/benchmarks.md")
    args = parser.parse_args()

    settings = Settings()
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    alias = f"bench-audit-{uuid.uuid4().hex[:8]}"
    audit_settings = settings.model_copy(update={"index": alias})
    started = time.monotonic()
    series = corpus(
        seed=2026, offices=args.offices, departing=0.3, copies_across=args.offices // 50, sentences=(25, 40)
    )
    reports = reports_of(series)
    base, new = held_back(reports, args.new, seed=7)
    narrative = sum(len(report.text) for report in reports) / len(reports)
    print(
        f"generated {len(reports)} reports of {len(series)} offices in {time.monotonic() - started:.0f} s; "
        f"{narrative:.0f} characters of narrative a report",
        flush=True,
    )
    try:
        ensure_index(client, alias)
        _, indexing = timed("indexing the first run", lambda: index_all(client, alias, base))
        first, first_t = timed("full audit, first", lambda: full_audit(client, audit_settings, today=TODAY))
        again, again_t = timed("full audit, again", lambda: full_audit(client, audit_settings, today=TODAY))
        written, adding = timed("indexing the new reports", lambda: index_all(client, alias, new))
        incremental, incremental_t = timed(
            "incremental audit", lambda: incremental_audit(client, audit_settings, written, today=TODAY)
        )
        check, _ = timed("full audit, check", lambda: full_audit(client, audit_settings, today=TODAY))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        findings = client.count(index=f"{alias}-findings")["count"]
    finally:
        if not args.keep:
            delete_prefixed(client, alias)
    body = report_section(
        len(base),
        len(new),
        len(series),
        narrative,
        findings,
        peak,
        [first_t, again_t, adding, incremental_t],
        check.updated,
        indexing,
    )
    print(body)
    if not args.no_write:
        write_section("audit", body)
    del first, again, incremental


def report_section(
    base: int,
    new: int,
    offices: int,
    narrative: float,
    findings: int,
    peak_mb: float,
    runs: list[Timed],
    left_over: int,
    indexing: Timed,
) -> str:
    first, again, _adding, incremental = runs
    rows = "\n".join(
        f"| {run.label} | {run.wall:.1f} s | {run.cpu:.1f} s | {run.line.split(': ', 1)[-1]} |"
        for run in runs
    )
    full_met = "met" if max(first.wall, again.wall) <= FULL_TARGET_S else "**not met**"
    incremental_met = "met" if incremental.wall <= INCREMENTAL_TARGET_S else "**not met**"
    return f"""## The audit across the years (`bench/audit.py`)

{stamp()}
Index: {base:,} synthetic reports of {offices:,} offices over 2019–2025 (series whose numbers chain, 30% of
them with planted departures, {offices // 50} narratives copied across offices; {narrative:.0f} characters of
text a report), written by the indexer's writer in {indexing.wall:.0f} s (not part of the audit); then
{new:,} more 2025 reports in a second index run. Elasticsearch on the same machine (single node, shared
with other work). Times are this process's wall clock and CPU; Elasticsearch's CPU comes on top.
{findings:,} findings in the end; peak resident memory of the process {peak_mb:.0f} MB.

| run | wall | CPU (this process) | summary |
|---|---|---|---|
{rows}

Targets: full audit ≤ {FULL_TARGET_S:.0f} s: **{full_met}**
(first {first.wall:.0f} s, again {again.wall:.0f} s);
incremental after {new:,} new reports ≤ {INCREMENTAL_TARGET_S:.0f} s: **{incremental_met}**
({incremental.wall:.1f} s). A full audit after the incremental one changed {left_over} reports.
"""


if __name__ == "__main__":
    main()
