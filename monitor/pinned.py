"""The HTTP client of one webhook POST: it connects only to the addresses it checked, within one deadline.

A webhook's host is a stranger's, DNS included. Checking the host's addresses and then
letting the HTTP client look the name up again lets a rebinding DNS server answer a public
address to the check and 127.0.0.1 to the connection. Here the network backend under httpx
looks the name up once, checks every address (`checked_addresses`) and connects to those
very addresses. Nothing else changes: httpcore still hands TLS the URL's host name, so SNI
and the certificate check are against it, and the Host header is the URL's.

A receiver can also hold a POST open by answering a byte every few seconds: a timeout per
read never fires. Every socket operation here waits at most until one deadline for the
whole exchange, so the POST ends by then whatever the receiver does.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

from monitor.webhook_url import IPAddress

# The checked addresses of a host and port, from one lookup; raises `InvalidWebhookUrl` to refuse.
AddressesOf = Callable[[str, int], Sequence[IPAddress]]
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class Deadline:
    """The instant a whole exchange must be over by; every wait is cut to what is left of it."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def clamp(self, timeout: float | None, expired: type[httpcore.TimeoutException]) -> float:
        remaining = self._end - time.monotonic()
        if remaining <= 0:
            raise expired("the delivery's deadline passed")
        return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, wait), self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects to a host's checked addresses (never resolving it again), with streams under a deadline."""

    def __init__(self, addresses_of: AddressesOf, deadline: Deadline) -> None:
        self._addresses_of = addresses_of
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        failures: list[str] = []
        for address in self._addresses_of(host, port):
            wait = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
            try:
                # An address literal: the socket layer has no name left to look up.
                stream = self._sockets.connect_tcp(str(address), port, wait, local_address, socket_options)
            except httpcore.ConnectError as error:
                failures.append(f"{address}: {error}")
                continue
            return DeadlineStream(stream, self._deadline)
        raise httpcore.ConnectError(f"could not connect to {host}: {'; '.join(failures)}")


class PinnedTransport(httpx.HTTPTransport):
    def __init__(self, backend: PinnedBackend, tls: ssl.SSLContext) -> None:
        super().__init__(verify=tls, trust_env=False)
        # httpx has no setting for the network backend: its connection pool is swapped for one with ours.
        self._pool = httpcore.ConnectionPool(ssl_context=tls, network_backend=backend, max_connections=1)


def pinned_client(addresses_of: AddressesOf, *, deadline: float, tls: ssl.SSLContext) -> httpx.Client:
    """A client for one exchange, over within `deadline` seconds of now, to `addresses_of`'s answers only."""
    transport = PinnedTransport(PinnedBackend(addresses_of, Deadline(deadline)), tls)
    # No redirects: a receiver must not be able to bounce the POST to an address validation refused.
    return httpx.Client(transport=transport, timeout=deadline, follow_redirects=False, trust_env=False)
