"""One polite watch cycle over many fixture portals, each on a loopback host of its own.

    .venv/bin/python bench/crawl.py --portals 1000 [--no-write]

A server process serves N portals (about 30 report pages and 50 pages each, answers
50–300 ms late) on 127.x.y.z, one host each, and logs every request that reaches a
host less than a second after that host's previous one. This process runs two watch
cycles (`monitor.watch.run_cycle` with `crawl_together`, the polite profile): fetch,
parse, index into a private Elasticsearch index, notify; then the same again with
nothing changed (conditional requests). Figures go to docs/benchmarks.md between
<!-- bench:crawl-cycle --> and <!-- /bench:crawl-cycle -->.
Targets: every report found, no politeness violation, a cycle ≤ 15 min, a re-cycle ≤ 3 min.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _machine import stamp, write_section
from elasticsearch import Elasticsearch

from crawler.portals.many import build_many_portals, loopback_addresses
from crawler.portals.server import PortalServer
from crawler.sites import Site
from crawler.state import STATE_FILE
from crawler.state_es import crawl_state_index
from crawler.summary import CrawlSummary
from govreports.es_client import build_client
from govreports.settings import Settings
from monitor.watch import CycleOutcome, StopSignal, crawl_together, run_cycle

SECTION = "crawl-cycle"
SEED = 2026
REPORTS = 30
PAGE_SIZE = 3  # listing lines a page: 40 entries make 14 listing pages, about 50 requests a portal
LATENCY = (0.05, 0.3)
# Hosts crawled at once, and the body memory that lets that many requests be in flight.
CONCURRENCY = 300
# A report checked this recently is not asked for again: the second cycle costs the listing pages.
RECHECK_HOURS = 6.0
CYCLE_TARGET, RECYCLE_TARGET = 15 * 60.0, 3 * 60.0


# --- the server process --------------------------------------------------------------------


def serve(count: int, connection: Connection) -> None:
    """Serve `count` portals until told to stop; answer "report" with what the hosts saw."""
    portals = build_many_portals(count, seed=SEED, reports=REPORTS, page_size=PAGE_SIZE, pages_only=True)
    server = PortalServer(portals, addresses=loopback_addresses(count), latency=LATENCY, poll_interval=1.0)
    with server:
        truth = [url for portal in portals for url in portal.truth().reports]
        connection.send(([site.model_dump(mode="json") for site in server.sites()], truth))
        while (command := connection.recv()) != "stop":
            assert command == "report"
            hits = server.hits()
            server.clear_hits()
            statuses = Counter(str(hit.status) for hit in hits)
            busiest = max(Counter(hit.portal for hit in hits).values(), default=0)
            connection.send((len(hits), busiest, dict(statuses), server.violations()))


@dataclass
class Served:
    connection: Connection
    process: Any
    sites: list[Site]
    truth: set[str]

    def report(self) -> tuple[int, int, dict[str, int], list[Any]]:
        self.connection.send("report")
        answer: tuple[int, int, dict[str, int], list[Any]] = self.connection.recv()
        return answer

    def stop(self) -> None:
        self.connection.send("stop")
        self.process.join(60)


def start_server(count: int) -> Served:
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=serve, args=(count, theirs), name="portal-server", daemon=True)
    process.start()
    sites, truth = mine.recv()
    return Served(mine, process, [Site.model_validate(site) for site in sites], set(truth))


# --- the cycles ----------------------------------------------------------------------------


@dataclass
class Cycle:
    seconds: float
    summary: CrawlSummary
    outcome: CycleOutcome
    requests: int
    busiest: int  # requests to the busiest host
    statuses: dict[str, int]
    violations: list[Any]
    state_rows: int = 0  # rows of the crawl state in Elasticsearch after the cycle


def run_one(client: Elasticsearch, settings: Settings, served: Served) -> Cycle:
    summaries: list[CrawlSummary] = []

    def together(settings: Settings, sites: Sequence[Site], client: Elasticsearch) -> CrawlSummary:
        summaries.append(crawl_together(settings, sites, client))
        return summaries[-1]

    started = time.monotonic()
    outcome = run_cycle(client, settings, served.sites, together=together, stop=StopSignal())
    seconds = time.monotonic() - started
    requests, busiest, statuses, violations = served.report()
    state = crawl_state_index(settings.index)
    client.indices.refresh(index=state)
    rows = int(client.count(index=state)["count"])
    assert not (Path(settings.data_dir) / STATE_FILE).exists(), "the crawl state went to SQLite"
    return Cycle(seconds, summaries[0], outcome, requests, busiest, statuses, violations, rows)


def drop_indices(client: Elasticsearch, prefix: str) -> None:
    names = list(client.indices.get(index=f"{prefix}*", expand_wildcards="all"))
    for name in names:
        client.indices.delete(index=name)


def section(count: int, served: Served, first: Cycle, again: Cycle) -> str:
    truth = served.truth
    found = first.summary.urls("new", "revised", "unchanged") & truth
    failed_sites = sum(1 for run in first.outcome.runs if run.status != "ok")
    verdict = {
        "found": "met" if found == truth else "missed",
        "violations": "met" if not first.violations and not again.violations else "missed",
        "cycle": "met" if first.seconds <= CYCLE_TARGET else "missed",
        "again": "met" if again.seconds <= RECYCLE_TARGET else "missed",
    }
    not_modified = again.statuses.get("304", 0)
    return "\n".join([
        "## A polite watch cycle over many portals (`bench/crawl.py --portals N`)",
        "",
        stamp(),
        f"{count} fixture portals, each on a loopback host of its own (127.x.y.z), "
        f"{REPORTS} report pages and about 50 pages each, every answer {LATENCY[0] * 1000:.0f}–"
        f"{LATENCY[1] * 1000:.0f} ms late, served by one Python process on the same machine. "
        "One watch cycle (`run_cycle` with `crawl_together`, polite profile: one request in flight "
        "per host, at least 1 s between two, robots.txt obeyed, AutoThrottle): fetch, parse (limits "
        "pool), index into a private Elasticsearch index, notify. Then the same cycle again with "
        f"nothing changed. GOVREPORTS_CRAWL_CONCURRENCY={CONCURRENCY} hosts at once, within the default "
        "GOVREPORTS_CRAWL_BODY_MEMORY (each request reserves what its body holds); "
        f"GOVREPORTS_CRAWL_RECHECK_HOURS={RECHECK_HOURS:.0f}, so the second cycle asks "
        "for the listing pages only (with 0, it asks every report again, conditionally, and gets 304s). "
        f"The crawl state is in Elasticsearch: {first.state_rows} rows after the first cycle, "
        f"{again.state_rows} after the second; no `crawl-state.sqlite3` was written.",
        "",
        "| measure | first cycle | again, nothing changed |",
        "|---|---|---|",
        f"| wall time | **{first.seconds:.0f} s** ({verdict['cycle']}: ≤ {CYCLE_TARGET:.0f} s) "
        f"| **{again.seconds:.0f} s** ({verdict['again']}: ≤ {RECYCLE_TARGET:.0f} s) |",
        f"| requests the hosts received | {first.requests} "
        f"| {again.requests} ({not_modified} answered 304) |",
        f"| requests per host, at most | {first.busiest} | {again.busiest} |",
        f"| politeness violations (< 1 s after the host's previous request) | **{len(first.violations)}** "
        f"| **{len(again.violations)}** |",
        f"| reports found of {len(truth)} | **{len(found)}** ({verdict['found']}) "
        f"| {again.summary.unchanged} unchanged |",
        f"| reports new / revised / unchanged / failed | {first.summary.new} / {first.summary.revised} / "
        f"{first.summary.unchanged} / {first.summary.failed} | {again.summary.new} / {again.summary.revised}"
        f" / {again.summary.unchanged} / {again.summary.failed} |",
        f"| sites with a failed run | {failed_sites} | "
        f"{sum(1 for run in again.outcome.runs if run.status != 'ok')} |",
        f"| pages fetched (crawler's count) | {first.summary.pages_fetched} "
        f"| {again.summary.pages_fetched} |",
        "",
        "Each portal also has one broken report link (404) and one behind a robots.txt Disallow: "
        "those count as failed and skipped, not as missed reports.",
        *problems("first cycle", first.summary),
        *problems("second cycle", again.summary),
    ])


def problems(label: str, summary: CrawlSummary) -> list[str]:
    """The crawl-wide errors and the kinds of failed reports, briefly."""
    kinds = Counter(f"{problem.kind}: {problem.reason[:80]}" for problem in summary.problems
                    if problem.kind in ("parse", "index"))
    shared = [error[:160] for error in summary.errors if not error.startswith("site ")]
    lines = [f"- {label}: {count} × {reason}" for reason, count in kinds.most_common(3)]
    lines += [f"- {label}, crawl-wide: {error}" for error in shared[:3]]
    return ["", *lines] if lines else []


def main(count: int, *, write: bool) -> None:
    served = start_server(count)
    with tempfile.TemporaryDirectory() as data:
        prefix = f"govreports-bench-cycle-{os.getpid()}"
        settings = Settings(data_dir=Path(data), index=prefix, crawl_concurrency=CONCURRENCY,
                            crawl_recheck_hours=RECHECK_HOURS)
        client = build_client(settings)
        try:
            first = run_one(client, settings, served)
            print(f"first cycle: {first.seconds:.0f} s, {first.requests} requests, "
                  f"{len(first.violations)} violations", flush=True)
            again = run_one(client, settings, served)
        finally:
            drop_indices(client, prefix)
            served.stop()
    body = section(count, served, first, again)
    print(f"<!-- bench:{SECTION} -->\n{body}\n<!-- /bench:{SECTION} -->")
    if write:
        write_section(SECTION, body)
