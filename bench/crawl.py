"""Crawl throughput against the fixture portals on 127.0.0.1, politeness off; or a whole polite
watch cycle over many portals (`--portals N`).

    .venv/bin/python bench/crawl.py [--reports 150] [--no-write]
    .venv/bin/python bench/crawl.py --portals 1000 [--no-write]

Throughput: serves the four portal families with `--reports` reports each and runs the
fetch phase of one crawl from their home pages (Scrapy in its child process: listings,
details, attachments, robots.txt; archive and crawl state written). Parsing is the
parser's benchmark, not this one. Writes the figures to docs/benchmarks.md between
<!-- bench:crawl --> and <!-- /bench:crawl -->. Target: 100 pages/s.

Cycle (`--portals N`): `bench/crawl_cycle.py`, section `crawl-cycle`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _machine import cpu_model, memory_gib, write_section

from crawler.fetch import FetchResult, fetch
from crawler.portals import PortalServer
from crawler.profiles import scrapy_settings
from govreports.settings import Settings

SECTION = "crawl"
TARGET_PAGES_PER_SECOND = 100.0


@dataclass(frozen=True)
class Measured:
    fetched: FetchResult
    wall_seconds: float  # the whole fetch, child start-up included
    server_cpu_seconds: float  # this process: the portal server's threads


def run(reports: int) -> Measured:
    with PortalServer.fixture(seed=2024, reports=reports) as server, tempfile.TemporaryDirectory() as tmp:
        settings = scrapy_settings(Settings(data_dir=Path(tmp)), polite=False)
        wall, cpu = time.monotonic(), time.process_time()
        fetched = fetch(server.sites(), settings)
        return Measured(fetched, time.monotonic() - wall, time.process_time() - cpu)


def section(reports: int, measured: Measured) -> str:
    fetched = measured.fetched
    pages = sum(fetched.pages.values())
    rate = pages / fetched.fetching_seconds
    verdict = "meets" if rate >= TARGET_PAGES_PER_SECOND else "misses"
    crawler_ms = 1000 * fetched.fetching_cpu_seconds / pages
    server_ms = 1000 * measured.server_cpu_seconds / pages
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    memory = f"{memory_gib():.0f} GB RAM"
    machine = f"{cpu_model()}, {os.cpu_count()} cores, {memory}, load average {load} at start"
    return "\n".join([
        "## Crawl throughput (`bench/crawl.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        f"Four fixture portals × {reports} reports on 127.0.0.1, politeness off (`--no-polite` profile), "
        "robots.txt obeyed, archive and crawl state written; fetch phase only "
        "(parsing is benchmarked apart).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| pages fetched (listings, details, attachments, robots.txt) | {pages} |",
        f"| report documents fetched | {len(fetched.documents)} |",
        f"| fetching, first response to last | {fetched.fetching_seconds:.1f} s |",
        f"| **fetch rate** | **{rate:.0f} pages/s** "
        f"({verdict} the {TARGET_PAGES_PER_SECOND:.0f} pages/s target) |",
        f"| whole fetch phase, child process start-up included | {measured.wall_seconds:.1f} s |",
        f"| CPU per page: crawler (child process) | {crawler_ms:.1f} ms |",
        f"| CPU per page: fixture server (Python threads, same machine) | {server_ms:.1f} ms |",
        "",
        f"The crawler's CPU cost alone would allow about {1000 / crawler_ms:.0f} pages/s on one free core; "
        "on a shared machine the rate follows the load average above.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=150, help="reports per portal")
    parser.add_argument("--portals", type=int, help="run one polite watch cycle over this many portals")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/ alone")
    arguments = parser.parse_args()
    if arguments.portals is not None:
        from crawl_cycle import main as cycle

        cycle(arguments.portals, write=not arguments.no_write)
        return
    body = section(arguments.reports, run(arguments.reports))
    print(f"<!-- bench:{SECTION} -->\n{body}\n<!-- /bench:{SECTION} -->")
    if not arguments.no_write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
