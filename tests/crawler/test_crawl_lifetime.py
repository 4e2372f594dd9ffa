"""Stopped means stopped: a crawl's Scrapy child dies with its parent (SIGKILL, SIGTERM, Ctrl-C),
even inside C code; a crawl and a watch cycle end on time; the crawler's size cap is the parser's,
and the bodies a crawl holds at once are bounded."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.profiles import scrapy_settings
from crawler.sites import Site, site_for_start_url
from crawler.summary import CrawlSummary
from govreports.settings import Settings
from indexer.extract import text
from monitor.watch import StopSignal, run_cycle

GOVREPORTS = str(Path(sys.executable).parent / "govreports")
PROC = Path("/proc")
MB = 1024 * 1024


class _Stalling(ThreadingHTTPServer):
    """Every request is held open, unanswered, until the server stops."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hold)
        self.stopping = threading.Event()
        self.requests = 0


class _Hold(BaseHTTPRequestHandler):
    server: _Stalling

    def do_GET(self) -> None:
        self.server.requests += 1
        self.server.stopping.wait(120)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def stalling() -> Iterator[_Stalling]:
    server = _Stalling()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


def _default_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _url(server: _Stalling) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def _alive(pid: int) -> bool:
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; PID 1 here need not reap it


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in (PROC / str(parent) / "task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            frontier += children
    return found


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after `seconds`."""
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


def _wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _caught_and_ignored(pid: int) -> tuple[int, int]:
    """The masks of signals `pid` handles in code and ignores, from /proc/<pid>/status."""
    status = (PROC / str(pid) / "status").read_text()
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", status, re.M).group(1), 16)  # type: ignore[union-attr]
    ignored = int(re.search(r"^SigIgn:\s*([0-9a-f]+)", status, re.M).group(1), 16)  # type: ignore[union-attr]
    return caught, ignored


def _is_scrapy_child(pid: int) -> bool:
    try:
        return b"spawn_main" in (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_crawl_child_dies_with_its_parent(
    stop: signal.Signals, stalling: _Stalling, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOVREPORTS_")}
    parent = subprocess.Popen(
        [GOVREPORTS, "crawl", "--start-url", _url(stalling), "--out", str(tmp_path / "out"), "--no-polite"],
        env={**env, "GOVREPORTS_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # As a terminal starts it: a suite run in the background (`cmd &` without job control)
        # has SIGINT ignored, and a child would inherit that and never see the Ctrl-C sent below.
        preexec_fn=_default_interrupt,
    )
    try:
        _wait_for(lambda: stalling.requests > 0, 60, "the crawl's first request")  # Scrapy is running
        children = _descendants(parent.pid)
        (scrapy,) = [pid for pid in children if _is_scrapy_child(pid)]
        caught, ignored = _caught_and_ignored(scrapy)
        # SIGTERM ends the child at once, even busy in C code: no handler waits for the interpreter.
        assert not caught & (1 << (signal.SIGTERM - 1))
        assert ignored & (1 << (signal.SIGINT - 1))  # a terminal's Ctrl-C is for the parent to decide
        assert os.getpgid(scrapy) != os.getpgid(parent.pid)
        parent.send_signal(stop)
        parent.wait(timeout=30)
        assert _gone_within(children, 5) == []
    finally:
        parent.kill()
        parent.wait()
        for pid in _descendants(os.getpid()):  # whatever the old code left behind
            if _is_scrapy_child(pid):
                os.kill(pid, signal.SIGKILL)


HELPER = """
import multiprocessing, os, sys
sys.path.insert(0, {folder!r})
import test_crawl_lifetime
if __name__ == "__main__":
    spawn = multiprocessing.get_context("spawn")
    child = spawn.Process(target=test_crawl_lifetime.spin_in_c, args=(os.getpid(),))
    child.start()
    print(child.pid, flush=True)
    child.join()
"""


def spin_in_c(parent: int) -> None:
    """A child stuck in a regular expression that backtracks for ever: no Python handler runs here."""
    from govreports.lifetime import die_with_parent

    die_with_parent(parent)
    re.match(r"(a+)+$", "a" * 64 + "b")


def _cpu_ticks(pid: int) -> int:
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.timeout(60)
def test_a_child_stuck_in_c_code_dies_with_its_parent(tmp_path: Path) -> None:
    script = tmp_path / "helper.py"
    script.write_text(HELPER.format(folder=str(Path(__file__).parent)), encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        _wait_for(lambda: _cpu_ticks(child) > 50, 30, "the child to spin")  # half a second in the regex
        parent.kill()
        parent.wait()
        assert _gone_within([child], 5) == []
    finally:
        parent.kill()
        parent.wait()
        for pid in _descendants(os.getpid()):
            if _alive(pid) and pid != os.getpid():
                with open(PROC / str(pid) / "cmdline", "rb") as cmdline:
                    if b"spawn_main" in cmdline.read():
                        os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_crawl_ends_at_its_time_limit(stalling: _Stalling, tmp_path: Path) -> None:
    from crawler.run import crawl

    settings = Settings(data_dir=tmp_path / "data", crawl_timeout=2)
    started = time.monotonic()
    summary = crawl(settings, [site_for_start_url(_url(stalling))], out=tmp_path / "out", polite=False,
                    overrides={"DOWNLOAD_TIMEOUT": 2})
    # Closed by CLOSESPIDER_TIMEOUT once its requests in flight time out (the stalling portal never
    # answers), or killed two download timeouts later: either way well before the portal would let go.
    assert time.monotonic() - started < 60
    assert any(error.startswith("crawl_timeout:") for error in summary.errors)


@pytest.mark.es
def test_a_watch_cycle_starts_no_site_after_its_time(es_client: Elasticsearch, es_settings: Settings) -> None:
    now = [datetime(2025, 1, 1, 8, 0, tzinfo=datetime.now().astimezone().tzinfo)]
    given: list[float] = []

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        given.append(settings.crawl_timeout)
        now[0] += timedelta(minutes=40)  # each site takes 40 minutes
        return CrawlSummary()

    settings = es_settings.model_copy(update={"watch_cycle_timeout": 3600.0, "crawl_timeout": 14400.0})
    sites = [Site(name=name, start_urls=[f"http://127.0.0.1:9/{name}/"]) for name in ("a", "b", "c")]
    outcome = run_cycle(es_client, settings, sites, crawl=crawl, stop=StopSignal(), clock=lambda: now[0])
    # a gets the cycle's hour, b what is left of it (20 minutes), c is not started.
    assert given == [3600.0, 1200.0]
    assert [(run.site, run.status) for run in outcome.runs] == [("a", "ok"), ("b", "ok"), ("c", "failed")]
    assert (outcome.runs[2].error or "").startswith("watch_cycle_timeout:")
    assert outcome.notified is not None  # what the cycle did index is still notified


@pytest.mark.parametrize("polite", [True, False])
def test_the_crawler_downloads_no_more_than_the_parser_reads(polite: bool) -> None:
    settings = Settings()
    profile = scrapy_settings(settings, polite=polite)
    assert profile["DOWNLOAD_MAXSIZE"] == text.MAX_BYTES
    # The bodies held at once (`crawler.body_memory`), and one largest body more for copies, fit.
    assert profile["GOVREPORTS_BODY_BUDGET"] + profile["DOWNLOAD_MAXSIZE"] <= settings.crawl_body_memory * MB


def test_a_smaller_body_budget_means_a_smaller_reservation_not_fewer_requests() -> None:
    profile = scrapy_settings(Settings(crawl_body_memory=500), polite=False)
    assert profile["GOVREPORTS_BODY_BUDGET"] + profile["DOWNLOAD_MAXSIZE"] <= 500 * MB
    assert profile["CONCURRENT_REQUESTS"] == scrapy_settings(Settings(), polite=False)["CONCURRENT_REQUESTS"]
