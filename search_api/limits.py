"""Limits on anonymous load: a request rate per client, and how many heavy requests run at once.

The rate limit is pure ASGI middleware in front of every route but /static/: one
dictionary lookup per request. It is off unless GOVREPORTS_RATE_LIMIT is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv6Network

from starlette.types import ASGIApp, Receive, Scope, Send

from search_api.errors import Busy, error_response

# Generous for an export or an office-wide walk to end; a client retrying sooner is refused as cheaply.
BUSY_RETRY_AFTER = 10
# Enough for every client of a busy day; beyond it the least recently seen client is forgotten
# (and starts again with a full bucket), so a flood of addresses cannot grow the table without end.
MAX_CLIENTS = 100_000
UNLIMITED_PREFIXES = ("/static/",)  # files of the page: cheap, and five of them per page view


class Slots:
    """At most `size` requests of one kind at a time; one more is refused at once, never queued."""

    def __init__(self, size: int, what: str) -> None:
        self.size = size
        self.what = what
        self.used = 0

    def take(self) -> None:
        if self.used >= self.size:
            raise Busy(f"the server is busy: {self.size} {self.what} already running", BUSY_RETRY_AFTER)
        self.used += 1

    def give_back(self) -> None:
        self.used -= 1

    @contextmanager
    def held(self) -> Iterator[None]:
        self.take()
        try:
            yield
        finally:
            self.give_back()


@dataclass(frozen=True)
class HeavyRequests:
    """The slots of the requests that hold Elasticsearch longest (app.state.heavy)."""

    exports: Slots
    office_stats: Slots


class TokenBuckets:
    """A token bucket per client: `burst` requests at once, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60
        self.burst = float(burst)
        self.clock = clock
        # client -> (tokens, when counted); insertion order is least recently seen first.
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str) -> float:
        """0 when `client` may go ahead (a token is spent), else the seconds until it may."""
        now = self.clock()
        counted = self.buckets.pop(client, None)
        tokens = self.burst
        if counted is not None:
            tokens = min(tokens, counted[0] + (now - counted[1]) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self.buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
        if len(self.buckets) > MAX_CLIENTS:
            del self.buckets[next(iter(self.buckets))]
        return wait


def client_key(scope: Scope) -> str:
    """Who a request counts against: its client address, an IPv6 client by its /64 (one site's network)."""
    client = scope.get("client")
    host: str = client[0] if client else ""
    if ":" not in host:
        return host
    try:
        return str(IPv6Network((host, 64), strict=False))
    except ValueError:
        return host


class RateLimit:
    """429, in the one error shape and with Retry-After, for a client over its rate."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets) -> None:
        self.app = app
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(UNLIMITED_PREFIXES):
            wait = self.buckets.take(client_key(scope))
            if wait:
                response = error_response(429, "too many requests from this address; slow down")
                response.headers["Retry-After"] = str(math.ceil(wait))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
