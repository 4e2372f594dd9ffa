"""`govreports serve`: the real command, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from govreports.settings import Settings

GOVREPORTS = str(Path(sys.executable).with_name("govreports"))


def _serve(settings: Settings, port: int, *options: str) -> tuple[httpx.Response, str]:
    """Start `govreports serve`, ask /healthz and /docs, stop it: the health answer and what it logged."""
    env = {**os.environ, "GOVREPORTS_ES_URL": settings.es_url}
    server = subprocess.Popen(
        [GOVREPORTS, "serve", "--port", str(port), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # uvicorn logs requests to stdout and the rest to stderr
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, server.stdout.read() if server.stdout else ""
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
    finally:
        server.terminate()
        logged, _ = server.communicate(timeout=30)
    return health, logged


@pytest.mark.es
def test_serve_answers_on_the_port_it_was_given(es_session_settings: Settings, free_port: int) -> None:
    health, logged = _serve(es_session_settings, free_port)

    assert health.json()["elasticsearch"]["reachable"] is True
    assert "GET /healthz" not in logged  # no access log unless asked for


@pytest.mark.es
def test_serve_logs_each_request_when_asked(es_session_settings: Settings, free_port: int) -> None:
    _, logged = _serve(es_session_settings, free_port, "--access-log")

    assert '"GET /healthz HTTP/1.1" 200' in logged
    assert '"GET /docs HTTP/1.1" 200' in logged


def test_the_server_sets_start_up_objects_aside_and_collects_young_ones_less_often() -> None:
    # In a process of its own: the garbage collector's settings are the whole process's.
    program = (
        "import gc; from govreports.commands.serve import tune_garbage_collection as tune; "
        "before = gc.get_threshold(); tune(); "
        "print(before[1:] == gc.get_threshold()[1:], gc.get_threshold()[0], gc.get_freeze_count() > 1000)"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)

    assert result.stdout.split() == ["True", "10000", "True"], result.stderr


def test_serve_refuses_a_port_in_use_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = subprocess.run(
            [GOVREPORTS, "serve", "--port", str(port)], capture_output=True, text=True, timeout=120
        )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: cannot listen on 127.0.0.1:{port}: Address already in use "
        f"(while attempting to bind on address ('127.0.0.1', {port}))"
    )
    assert "Traceback" not in result.stderr
