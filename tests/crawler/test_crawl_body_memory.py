"""The body-memory cap follows what bodies hold: many small pages in flight at once, large ones bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.body_memory import BodyBudget
from crawler.fetch import fetch
from crawler.profiles import MB, scrapy_settings
from crawler.sites import Site
from govreports.settings import Settings
from indexer.limits import MAX_DOCUMENT_BYTES

TITLE = "市{index}局{year}年政府信息公开工作年度报告"


@dataclass
class Served:
    """What the test servers saw: requests being answered at once, at most."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    now: int = 0
    peak: int = 0

    @contextmanager
    def answering(self) -> Iterator[None]:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            with self.lock:
                self.now -= 1


def handler(served: Served, *, reports: int, size: int, delay: float) -> type[BaseHTTPRequestHandler]:
    """Each host: no robots.txt, a listing linking `reports` PDFs of `size` bytes; every answer `delay` late.

    Odd-numbered PDFs declare their length; even ones do not (the body ends when the connection does).
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with served.answering():
                time.sleep(delay)
                if self.path == "/":
                    self._listing()
                elif self.path.startswith("/r") and self.path.endswith(".pdf"):
                    self._pdf(int(self.path[2:-4]))
                else:
                    self.send_error(404)

        def _listing(self) -> None:
            links = "".join(f'<li><a href="/r{index}.pdf">{TITLE.format(index=index, year=2020 + index % 5)}'
                            "</a></li>" for index in range(reports))
            body = f"<html><body><ul>{links}</ul></body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _pdf(self, index: int) -> None:
            head = f"%PDF-1.4\n% report {index}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            if index % 2:
                self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(head)
            left, chunk = size - len(head), b"0" * MB
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def hosts(addresses: list[str], served: Served, *, reports: int, size: int,
          delay: float) -> Iterator[list[Site]]:
    servers = [ThreadingHTTPServer((address, 0), handler(served, reports=reports, size=size, delay=delay))
               for address in addresses]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield [Site(name=f"h{index}", start_urls=[f"http://{address}:{server.server_address[1]}/"])
               for index, (address, server) in enumerate(zip(addresses, servers, strict=True))]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_the_default_cap_lets_hundreds_of_hosts_be_crawled_at_once() -> None:
    settings = Settings()
    profile = scrapy_settings(settings, polite=True)
    assert profile["CONCURRENT_REQUESTS"] == settings.crawl_concurrency
    assert profile["DOWNLOAD_MAXSIZE"] == MAX_DOCUMENT_BYTES
    # The bodies in flight, plus one body's worth kept for copies and decoded text, fit in the cap.
    assert profile["GOVREPORTS_BODY_BUDGET"] + profile["DOWNLOAD_MAXSIZE"] <= settings.crawl_body_memory * MB


def test_a_small_cap_still_fits_one_largest_body() -> None:
    profile = scrapy_settings(Settings(crawl_body_memory=60), polite=False)
    assert profile["GOVREPORTS_BODY_BUDGET"] == 30 * MB
    assert profile["DOWNLOAD_MAXSIZE"] == 30 * MB  # a larger document could never fit: refused


@pytest.mark.timeout(10)
def test_the_budget_makes_the_next_request_wait_for_room_first_come_first_served() -> None:
    async def scenario() -> list[str]:
        budget, order = BodyBudget(100), []

        async def ask(name: str, amount: int) -> None:
            await budget.take(amount)
            order.append(name)

        await budget.take(60)
        waiting = [asyncio.create_task(ask("big", 50)), asyncio.create_task(ask("small", 10))]
        await asyncio.sleep(0.05)
        assert order == [] and budget.used == 60  # small fits, but waits behind big
        assert budget.try_take(30) and not budget.try_take(20)  # a growing response goes first
        budget.give_back(60)
        await asyncio.gather(*waiting)
        assert budget.used == 90 and budget.peak == 90
        return order

    assert asyncio.run(scenario()) == ["big", "small"]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_many_slow_small_responses_are_in_flight_at_once_beyond_the_old_limit(tmp_path: Path) -> None:
    served = Served()
    addresses = [f"127.0.6.{10 + index}" for index in range(60)]
    with hosts(addresses, served, reports=1, size=2048, delay=2.0) as sites:
        profile = scrapy_settings(Settings(data_dir=tmp_path), polite=True)
        result = fetch(sites, profile)
    # The old cap reserved 100 MB per request: 2048 MB held 19 requests in flight.
    assert served.peak >= 40
    assert len(result.documents) == len(sites)
    assert not result.failures
    assert 0 < result.body_memory_peak <= profile["GOVREPORTS_BODY_BUDGET"]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_large_bodies_still_respect_the_cap_and_all_arrive(tmp_path: Path) -> None:
    served = Served()
    settings = Settings(data_dir=tmp_path, crawl_body_memory=50)  # 25 MB for bodies: two of 11 MB
    with hosts(["127.0.6.200"], served, reports=6, size=11 * MB, delay=0.2) as sites:
        profile = scrapy_settings(settings, polite=False)
        result = fetch(sites, profile)
    assert len(result.documents) == 6, result.failures
    assert not result.failures
    assert result.body_memory_peak <= profile["GOVREPORTS_BODY_BUDGET"] == 25 * MB
    assert result.body_memory_peak >= 11 * MB
    assert result.body_memory_requeued > 0  # six at once did not fit: some waited for room
