"""Crawl throughput against the fixture portals on 127.0.0.1, politeness off.

    .venv/bin/python bench/crawl.py [--reports 150] [--no-write]

Serves the four portal families with `--reports` reports each, crawls them once
from their home pages (Scrapy in its child process, JSON Lines out, the real
parser), and writes pages/s to docs/benchmarks.md between <!-- bench:crawl -->
and <!-- /bench:crawl -->. Target: at least 100 pages/s for the fetch phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler.portals import PortalServer
from crawler.run import crawl
from crawler.summary import CrawlSummary
from govreports.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:crawl -->", "<!-- /bench:crawl -->"
TARGET_PAGES_PER_SECOND = 100.0


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    memory_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")), 0)
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    memory = f"{memory_kb / 1024 / 1024:.0f} GB RAM"
    return f"{cpu}, {os.cpu_count()} cores, {memory}, load average {load} at start"


def run(reports: int) -> tuple[CrawlSummary, float]:
    with PortalServer.fixture(seed=2024, reports=reports) as server, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        settings = Settings(data_dir=Path(tmp) / "data")
        summary = crawl(settings, server.sites(), out=Path(tmp) / "out", polite=False)
        return summary, time.monotonic() - started


def section(reports: int, summary: CrawlSummary, wall: float) -> str:
    fetch_rate = summary.pages_fetched / summary.fetching_seconds
    verdict = "meets" if fetch_rate >= TARGET_PAGES_PER_SECOND else "misses"
    return "\n".join([
        START,
        "## Crawl throughput (`bench/crawl.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Four fixture portals × {reports} reports on 127.0.0.1, politeness off (`--no-polite`), "
        "robots.txt obeyed, one crawl from the home pages, JSON Lines out.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| pages fetched (listings, details, attachments, robots.txt) | {summary.pages_fetched} |",
        f"| reports found | {summary.new} (failed {summary.failed}: one broken link per portal) |",
        f"| Scrapy run in its child process, start-up included | {summary.fetch_seconds:.1f} s, "
        f"{summary.pages_fetched / summary.fetch_seconds:.0f} pages/s |",
        f"| fetching, first response to last | {summary.fetching_seconds:.1f} s |",
        f"| **fetch rate** | **{fetch_rate:.0f} pages/s** "
        f"({verdict} the {TARGET_PAGES_PER_SECOND:.0f} pages/s target) |",
        f"| whole crawl (spawn, fetch, parse every report, write) | {wall:.1f} s, "
        f"{summary.pages_fetched / wall:.0f} pages/s |",
        "",
        "The whole-crawl figure is bounded by parsing (PDF and DOCX extraction), not by fetching.",
        END,
    ])


def write(text: str) -> None:
    current = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text, current)
    else:
        updated = current.rstrip() + "\n\n" + text
    BENCHMARKS.parent.mkdir(parents=True, exist_ok=True)
    BENCHMARKS.write_text(updated.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=150, help="reports per portal")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/ alone")
    arguments = parser.parse_args()
    summary, wall = run(arguments.reports)
    text = section(arguments.reports, summary, wall)
    print(text)
    if not arguments.no_write:
        write(text)


if __name__ == "__main__":
    main()
