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


@pytest.mark.es
def test_serve_answers_on_the_port_it_was_given(es_session_settings: Settings, free_port: int) -> None:
    env = {**os.environ, "GOVREPORTS_ES_URL": es_session_settings.es_url}
    server = subprocess.Popen(
        [GOVREPORTS, "serve", "--port", str(free_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while health is None and time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{free_port}/healthz", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, server.stderr.read() if server.stderr else ""
        assert health.json()["elasticsearch"]["reachable"] is True
        assert httpx.get(f"http://127.0.0.1:{free_port}/docs", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


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
