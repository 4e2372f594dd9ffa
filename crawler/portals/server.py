"""A real HTTP server on 127.0.0.1 for the fixture portals: one port per portal, one thread each.

Each portal is its own site (its own robots.txt, its own host:port). The server
answers conditional requests (ETag / Last-Modified → 304), and logs every request
it receives so tests can assert what a crawl fetched, server-side. It also watches
politeness: a request reaching a host (address and port) less than `min_gap` seconds
after that host's previous one is logged as a `Violation`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import random
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl

from crawler.portals.catalog import HUGE_BYTES, Portal, Resource, build_portals, build_rough_portal, etag_of
from crawler.sites import Site

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it; `status` None when it never answered (hang, reset)."""

    portal: str
    target: str  # path and query
    status: int | None
    conditional: bool
    user_agent: str | None = None
    method: str = "GET"


@dataclass(frozen=True)
class Violation:
    """A request that reached `host` only `gap` seconds after the host's previous one."""

    host: str
    target: str
    gap: float


class _PortalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], portal: Portal, owner: PortalServer) -> None:
        super().__init__(address, _Handler)
        self.portal = portal
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-answer (a timeout, a refused size) is routine here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _PortalHTTPServer

    def parse_request(self) -> bool:
        # The request line is read: the time it reached the host, before any latency is simulated.
        parsed = super().parse_request()
        if parsed:
            host, port = self.server.server_address[:2]
            self.server.owner.arrived(str(host) + f":{port}", self.path)
        return parsed

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        """Form posts: a JCMS feed's record ranges; 404 for anything else."""
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
        resource = self.server.portal.resolve_post(self.path, form)
        status = 404 if resource is None else resource.status
        self.server.owner.record(self._hit(status, conditional=False))
        if resource is None:
            self._send(404, "text/html; charset=utf-8", b"<html><body>404 Not Found</body></html>", True)
        else:
            self._send(status, resource.content_type, resource.body, True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the hit log is the record."""

    def _serve(self, *, send_body: bool) -> None:
        owner, portal = self.server.owner, self.server.portal
        owner.wait_latency()
        resource = portal.resolve(self.path)
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        if resource is None:
            owner.record(self._hit(404, conditional))
            self._send(404, "text/html; charset=utf-8", b"<html><body>404 Not Found</body></html>", send_body)
            return
        if resource.behaviour in ("hang", "reset"):
            owner.record(self._hit(None, conditional))
            if resource.behaviour == "hang":
                self._hang()
            else:
                self._reset()
            return
        if resource.delay:
            time.sleep(resource.delay)
        if resource.behaviour == "huge":
            owner.record(self._hit(200, conditional))
            self._stream_huge(resource, send_body)
            return
        headers = self._validators(resource)
        revalidated = headers and portal.honours_conditional and self._not_modified(headers)
        status = 304 if revalidated else resource.status
        owner.record(self._hit(status, conditional))
        if status == 304:
            self._send(304, None, b"", False, headers)
        elif resource.location:
            self._send(status, "text/html", b"", send_body, {"Location": resource.location})
        else:
            self._send(status, resource.content_type, resource.body, send_body, headers)

    def _hit(self, status: int | None, conditional: bool) -> Hit:
        agent = self.headers.get("User-Agent")
        return Hit(self.server.portal.name, self.path, status, conditional, agent, self.command)

    def _validators(self, resource: Resource) -> dict[str, str]:
        if not resource.validators or resource.last_modified is None:
            return {}
        modified = datetime.combine(resource.last_modified, clock(8, 0), tzinfo=UTC)
        return {"ETag": etag_of(resource.body), "Last-Modified": format_datetime(modified, usegmt=True)}

    def _not_modified(self, validators: dict[str, str]) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            return validators["ETag"] in (tag.strip() for tag in if_none_match.split(","))
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(validators["Last-Modified"])
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, content_type: str | None, body: bytes, send_body: bool,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def _hang(self) -> None:
        """Say nothing until the client gives up or the server stops."""
        deadline = time.monotonic() + self.server.owner.hang_seconds
        while time.monotonic() < deadline and not self.server.owner.stopping.is_set():
            time.sleep(0.05)
        self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP RST instead of an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        # http.server still flushes and closes its streams after this: give it harmless ones.
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()
        self.close_connection = True

    def _stream_huge(self, resource: Resource, send_body: bool) -> None:
        """Announce HUGE_BYTES and stream them in chunks: never in memory, stopped when the client leaves."""
        self.send_response(200)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        if not send_body:
            return
        sent, chunk = 0, resource.body + bytes(CHUNK - len(resource.body))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
            while sent < HUGE_BYTES and not self.server.owner.stopping.is_set():
                piece = chunk[: HUGE_BYTES - sent]
                self.wfile.write(piece)
                sent += len(piece)
                chunk = bytes(CHUNK)
        self.close_connection = True


class PortalServer:
    """Serves `portals` on 127.0.0.1, each on its own port (free ones unless `ports` are given).

    `addresses` puts each portal on a loopback address of its own (127.x.y.z), a host of its own.
    """

    def __init__(self, portals: Iterable[Portal], *, ports: Iterable[int] | None = None,
                 addresses: Iterable[str] | None = None, hang_seconds: float = 60.0,
                 latency: tuple[float, float] = (0.0, 0.0), min_gap: float = 1.0,
                 poll_interval: float = 0.05) -> None:
        self.portals = {portal.name: portal for portal in portals}
        self.hang_seconds = hang_seconds
        self.latency = latency  # each answer waits a random time in this range (seconds)
        self.min_gap = min_gap
        # How often each portal's thread looks for a stop: short, so a few portals stop at once.
        self.poll_interval = poll_interval
        self._arrivals: dict[str, float] = {}
        self._violations: list[Violation] = []
        self.stopping = threading.Event()
        self._ports = list(ports) if ports is not None else [0] * len(self.portals)
        self._addresses = list(addresses) if addresses is not None else ["127.0.0.1"] * len(self.portals)
        self._servers: list[_PortalHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._hits: list[Hit] = []
        self._lock = threading.Lock()

    @classmethod
    def fixture(cls, seed: int = 7, *, reports: int = 8, rough: bool = False, hang_seconds: float = 60.0,
                slow_seconds: float = 0.3) -> PortalServer:
        """The four portal families (and the misbehaving one when `rough`), not started yet."""
        portals = build_portals(seed, reports=reports, slow_seconds=slow_seconds)
        if rough:
            portals.append(build_rough_portal(seed))
        return cls(portals, hang_seconds=hang_seconds)

    def start(self) -> PortalServer:
        for portal in self.portals.values():
            portal.warm()
        for portal, port, address in zip(self.portals.values(), self._ports, self._addresses, strict=True):
            server = _PortalHTTPServer((address, port), portal, self)
            portal.base_url = f"http://{address}:{server.server_address[1]}"
            serve = functools.partial(server.serve_forever, poll_interval=self.poll_interval)
            thread = threading.Thread(target=serve, name=f"portal-{portal.name}", daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def portal(self, name: str) -> Portal:
        return self.portals[name]

    def sites(self) -> list[Site]:
        """Every served portal as a configured site, starting from its home page."""
        return [portal.site() for portal in self.portals.values()]

    # --- the request log ------------------------------------------------------------

    def record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def hits(self, portal: str | None = None) -> list[Hit]:
        with self._lock:
            return [hit for hit in self._hits if portal is None or hit.portal == portal]

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()

    # --- politeness -----------------------------------------------------------------

    def arrived(self, host: str, target: str) -> None:
        now = time.monotonic()
        with self._lock:
            previous = self._arrivals.get(host)
            self._arrivals[host] = now
            if previous is not None and now - previous < self.min_gap:
                self._violations.append(Violation(host, target, now - previous))

    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def wait_latency(self) -> None:
        low, high = self.latency
        if high > 0:
            time.sleep(random.uniform(low, high))
