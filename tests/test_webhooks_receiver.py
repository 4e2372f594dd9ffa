"""A real webhook receiver for the delivery tests: a stdlib HTTP server on 127.0.0.1.

It records every POST (path, headers, body), and can be switched to answer 500 or to
go down (its socket closed, so connections are refused) and come back on the same
port. The tests below check the receiver itself; the delivery tests import it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.posts: list[Received] = []
        self.status = 204
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = receiver.status
                    if status < 300:
                        receiver.posts.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet test output

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self, event: str | None = None) -> list[Any]:
        with self._lock:
            bodies = [post.json() for post in self.posts]
        return [body for body in bodies if event is None or body["event"] == event]


@pytest.fixture
def receiver() -> Any:
    running = Receiver()
    yield running
    running.down()


def test_receiver_records_posts(receiver: Receiver) -> None:
    response = httpx.post(receiver.url, json={"event": "new"}, headers={"X-Test": "1"})
    assert response.status_code == 204
    assert receiver.events() == [{"event": "new"}]
    assert receiver.posts[0].headers["X-Test"] == "1"


def test_receiver_can_fail_and_go_down_and_come_back(receiver: Receiver) -> None:
    receiver.status = 500
    assert httpx.post(receiver.url, json={}).status_code == 500
    receiver.down()
    with pytest.raises(httpx.ConnectError):
        httpx.post(receiver.url, json={})
    receiver.status = 200
    receiver.up()
    assert httpx.post(receiver.url, json={"event": "x"}).status_code == 200
    assert receiver.events() == [{"event": "x"}]
