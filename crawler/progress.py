"""A crawl's progress, overall and per site: a line redrawn in place on a terminal, log lines elsewhere.

Fed by `crawler.run` as the fetch hands over pages and documents and the import settles
them. On a terminal one line shows the whole crawl; in a log, each interval adds that
line and one line for every site that moved since the last.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from crawler.importer import ImportResult

TERMINAL_INTERVAL = 0.5
LOG_INTERVAL = 30.0


class CrawlProgress:
    def __init__(self, sites: Sequence[str], stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.sites = list(sites)
        self.pages: Counter[str] = Counter()
        self.documents: Counter[str] = Counter()  # report documents fetched, per site
        self._shown: dict[str, tuple[int, int, int]] = {}  # per site: what the last log line said
        self._last = 0.0

    def page(self, site: str) -> None:
        self.pages[site] += 1

    def document(self, site: str) -> None:
        self.documents[site] += 1

    def show(self, imported: ImportResult) -> None:
        """Redraw (or log) if the interval has passed since the last time."""
        now = time.monotonic()
        if now - self._last < (TERMINAL_INTERVAL if self.terminal else LOG_INTERVAL):
            return
        self._last = now
        settled = Counter(outcome.site for outcome in imported.outcomes)
        line = (f"crawling: {self.pages.total()} pages fetched, {self.documents.total()} reports, "
                f"{settled.total()} imported")
        if self.terminal:
            self.stream.write(f"\r\033[K{line}")
        else:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            self.stream.writelines([f"{stamp} {line}\n", *self._site_lines(settled)])
        self.stream.flush()

    def close(self) -> None:
        if self.terminal:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _site_lines(self, settled: Counter[str]) -> list[str]:
        """One line for each site that moved since the last log line."""
        lines = []
        for site in self.sites:
            now = (self.pages[site], self.documents[site], settled[site])
            if now != self._shown.get(site, (0, 0, 0)):
                self._shown[site] = now
                lines.append(f"  {site}: {now[0]} pages, {now[1]} reports, {now[2]} imported\n")
        return lines
