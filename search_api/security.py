"""Pure ASGI middleware for the public surface: security headers, and the client behind a proxy.

Pure ASGI (not Starlette's `BaseHTTPMiddleware`, which runs each request in a task
of its own): each adds one function call and, for the headers, one list per response.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Exactly what the page and /docs load: scripts, styles and the stats fetch from this origin;
# the data: images of Swagger UI's stylesheet and the empty data: favicon; forms submitted here;
# no inline script or style, no plugin, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Same-origin: the page's back link reads its own referrer; government sites learn nothing.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
)


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A new list: a response may hand over its own header list, which must stay as it was.
                message = {**message, "headers": [*message.get("headers", ()), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


Network = IPv4Network | IPv6Network
FAMILIES = {4: socket.AF_INET, 6: socket.AF_INET6}


class TrustedNetworks:
    """Whether an address is in one of `networks`: by integer masks, a tenth of `ipaddress`'s cost."""

    def __init__(self, networks: Sequence[Network]) -> None:
        self.masks = [
            (FAMILIES[network.version], int(network.netmask), int(network.network_address))
            for network in networks
        ]

    def __contains__(self, host: str) -> bool:
        for family, mask, start in self.masks:
            try:
                address = int.from_bytes(socket.inet_pton(family, host), "big")
            except OSError:
                continue  # not an address of this family (or not an address at all)
            if address & mask == start:
                return True
        return False


class ForwardedClient:
    """Behind a trusted proxy, the request's client is the address the proxy saw (X-Forwarded-For).

    Only a peer in `trusted` is believed. Each proxy appends the address it received the
    request from, so the list is read from the right, past trusted proxies, and the first
    address not trusted is the client: what a client wrote further left is never read.
    `scope["client"]` is set to it, for the rate limit and the access log.
    """

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = TrustedNetworks(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] == "http" and peer is not None and peer[0] in self.trusted:
            forwarded = forwarded_for(scope["headers"])
            if forwarded:
                scope["client"] = (self.client_of(forwarded), 0)
        await self.app(scope, receive, send)

    def client_of(self, forwarded: list[str]) -> str:
        for hop in reversed(forwarded):
            if hop not in self.trusted:
                return hop
        return forwarded[0]  # every hop is a proxy of ours: the first one is where it came from


def forwarded_for(headers: Sequence[tuple[bytes, bytes]]) -> list[str]:
    """The addresses of every X-Forwarded-For header, in order."""
    hops: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return hops
