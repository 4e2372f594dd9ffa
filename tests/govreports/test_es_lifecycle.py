"""`govreports es start | stop | status` through the real console script, on a second node.

The lifecycle node gets its own port (so its own data and logs under
`GOVREPORTS_ES_HOME/nodes/<port>`) while sharing the unpacked distribution, so
starting, killing and stopping it never disturbs the node other tests use.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from govreports.elastic import processes
from govreports.elastic.layout import NodeLayout
from govreports.settings import Settings

pytestmark = [pytest.mark.es, pytest.mark.slow]

GOVREPORTS = Path(sys.executable).with_name("govreports")
LIFECYCLE_HEAP = "512m"


@dataclass(frozen=True)
class Cli:
    """The console script with a fixed environment: one Elasticsearch URL, one ES home."""

    url: str
    es_home: Path
    workdir: Path
    heap: str = LIFECYCLE_HEAP

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "GOVREPORTS_ES_URL": self.url,
            "GOVREPORTS_ES_HOME": str(self.es_home),
            "GOVREPORTS_ES_HEAP": self.heap,
            # Short-lived nodes: the quick C1 compiler alone halves start-up on a busy 2-core machine.
            "ES_JAVA_OPTS": "-XX:TieredStopAtLevel=1",
        }
        command = [str(GOVREPORTS), *args]
        # A start may fetch the distribution the first time, hence the generous timeout.
        return subprocess.run(
            command, cwd=self.workdir, env=environment, capture_output=True, text=True, timeout=400
        )

    @property
    def layout(self) -> NodeLayout:
        return NodeLayout(es_home=self.es_home.resolve(), port=int(self.url.rsplit(":", 1)[1]))


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def free_loopback_port() -> int:
    with http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as server:
        return server.server_address[1]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory: pytest.TempPathFactory, es_session_settings: Settings) -> Iterator[Cli]:
    """A CLI pointed at a port of its own; whatever node it leaves is stopped and its folder removed."""
    cli = Cli(
        url=f"http://127.0.0.1:{free_loopback_port()}",
        es_home=es_session_settings.es_home,
        workdir=tmp_path_factory.mktemp("lifecycle"),
    )
    yield cli
    cli.run("es", "stop")
    shutil.rmtree(cli.layout.root, ignore_errors=True)
    cli.layout.lock_file.unlink(missing_ok=True)


@pytest.fixture
def not_elasticsearch() -> Iterator[str]:
    """A plain HTTP server on a free loopback port: a port taken by something else."""
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_status_when_nothing_answers(lifecycle: Cli) -> None:
    line = one_error_line(lifecycle.run("es", "status"))
    assert f"not running: nothing answers at {lifecycle.url}" in line


def test_concurrent_starts_then_a_second_start_share_one_node(lifecycle: Cli) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda _: lifecycle.run("es", "start"), range(2)))
    assert [result.returncode for result in together] == [0, 0], together
    assert [result.stdout.strip() for result in together] == [lifecycle.url, lifecycle.url]
    pid = lifecycle.layout.read_pid()
    assert pid is not None

    again = lifecycle.run("es", "start")

    assert again.returncode == 0, again
    assert again.stdout.strip() == lifecycle.url
    assert again.stderr.startswith("already running:")
    assert lifecycle.layout.read_pid() == pid
    # One launcher and one server JVM, no more.
    assert len(processes.live_members(pid)) == 2


def test_status_is_one_line_with_version_pid_data_and_log(lifecycle: Cli) -> None:
    result = lifecycle.run("es", "status")

    assert result.returncode == 0, result
    (line,) = result.stdout.strip().splitlines()
    assert line.startswith("running: Elasticsearch 8.") and f"at {lifecycle.url}" in line
    assert f"pid {lifecycle.layout.read_pid()}" in line
    assert f"data {lifecycle.layout.data}" in line and f"log {lifecycle.layout.server_log}" in line


def test_node_runs_unprivileged_with_the_configured_heap(lifecycle: Cli) -> None:
    nodes = httpx.get(f"{lifecycle.url}/_nodes/_local/jvm,process", timeout=10).json()
    (node,) = nodes["nodes"].values()
    assert node["jvm"]["mem"]["heap_max_in_bytes"] == 512 * 1024 * 1024
    server_pid = node["process"]["id"]
    assert os.stat(f"/proc/{server_pid}").st_uid != 0


def test_start_after_sigkill_recovers(lifecycle: Cli) -> None:
    killed = lifecycle.layout.read_pid()
    assert killed is not None and processes.node_alive(killed)
    os.killpg(killed, signal.SIGKILL)
    assert processes.wait_until_gone(killed, 30)

    result = lifecycle.run("es", "start")

    assert result.returncode == 0, result
    assert result.stderr.startswith("started:")
    restarted = lifecycle.layout.read_pid()
    assert restarted not in (None, killed)
    assert httpx.get(f"{lifecycle.url}/_cluster/health", timeout=10).json()["status"] in ("green", "yellow")


def test_stop_leaves_nothing_running(lifecycle: Cli) -> None:
    pid = lifecycle.layout.read_pid()
    assert pid is not None

    result = lifecycle.run("es", "stop")

    assert result.returncode == 0, result
    assert result.stdout.strip() == f"stopped: Elasticsearch at {lifecycle.url} (pid {pid})"
    assert not processes.live_members(pid)
    assert not lifecycle.layout.pid_file.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{lifecycle.url}/_cluster/health", timeout=5)
    assert lifecycle.run("es", "stop").stdout.startswith("not running: no node started by govreports")


def test_stop_leaves_a_node_it_did_not_start_alone(lifecycle: Cli, es_session_settings: Settings) -> None:
    empty_home = lifecycle.workdir / "empty-home"
    stranger = Cli(url=es_session_settings.es_url, es_home=empty_home, workdir=lifecycle.workdir)

    result = stranger.run("es", "stop")

    assert result.returncode == 0 and result.stdout.startswith("not running:"), result
    assert httpx.get(f"{es_session_settings.es_url}/_cluster/health", timeout=10).status_code == 200


def test_start_refuses_a_port_taken_by_something_else(lifecycle: Cli, not_elasticsearch: str) -> None:
    taken = Cli(url=not_elasticsearch, es_home=lifecycle.es_home, workdir=lifecycle.workdir)

    line = one_error_line(taken.run("es", "start"))

    assert f"port {taken.layout.port} on 127.0.0.1 is taken by something that is not Elasticsearch" in line
    assert not taken.layout.root.exists()  # refused before creating anything


def test_status_of_something_else_says_so(lifecycle: Cli, not_elasticsearch: str) -> None:
    taken = Cli(url=not_elasticsearch, es_home=lifecycle.es_home, workdir=lifecycle.workdir)
    assert f"{not_elasticsearch} is not Elasticsearch" in one_error_line(taken.run("es", "status"))


def test_start_refuses_a_remote_url_that_does_not_answer(lifecycle: Cli) -> None:
    remote = Cli(url="http://192.0.2.1:9200", es_home=lifecycle.es_home, workdir=lifecycle.workdir)
    line = one_error_line(remote.run("es", "start"))
    assert "only runs a node at http://127.0.0.1:<port>" in line


def test_a_node_that_dies_while_starting_shows_its_log(lifecycle: Cli) -> None:
    broken = Cli(
        url=f"http://127.0.0.1:{free_loopback_port()}",
        es_home=lifecycle.es_home,
        workdir=lifecycle.workdir,
        heap="not-a-size",
    )
    try:
        result = broken.run("es", "start")

        assert result.returncode == 1, result
        first, *tail = result.stderr.strip().splitlines()
        assert first == f"error: Elasticsearch exited while starting; log: {broken.layout.server_log}"
        assert any("not-a-size" in line for line in tail), result.stderr
        assert "Traceback" not in result.stderr
    finally:
        shutil.rmtree(broken.layout.root, ignore_errors=True)
        broken.layout.lock_file.unlink(missing_ok=True)
