"""Webhook URL validation: http(s) only, and no loopback/private targets unless allowed.

A webhook makes this server send requests on a stranger's behalf, so a URL that
resolves to an address inside the network (127.0.0.1, 10/8, 169.254.169.254, …)
would let anyone probe it. Every address the host resolves to must be global.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from monitor.errors import InvalidWebhookUrl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA), as strings."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidWebhookUrl(f"webhook host {host!r} does not resolve: {error}") from error
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: IPAddress) -> bool:
    # An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged by the IPv4 address it carries.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def validate_webhook_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> str:
    """Return `url` when it may receive webhooks, else raise `InvalidWebhookUrl` saying why."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise InvalidWebhookUrl(f"webhook URL {url!r} is malformed: {error}") from error
    if parts.scheme not in _DEFAULT_PORTS:
        raise InvalidWebhookUrl(f"webhook URL must be http or https, not {parts.scheme or 'empty'!r}")
    host = parts.hostname
    if not host:
        raise InvalidWebhookUrl(f"webhook URL {url!r} has no host")
    if allow_private:
        return url.strip()
    literal = _literal_address(host)
    resolved = (
        [literal]
        if literal
        else [ipaddress.ip_address(text) for text in resolve(host, port or _DEFAULT_PORTS[parts.scheme])]
    )
    if not resolved:
        raise InvalidWebhookUrl(f"webhook host {host!r} does not resolve")
    refused = [str(address) for address in resolved if not is_public(address)]
    if refused:
        listed = ", ".join(refused)
        raise InvalidWebhookUrl(f"webhook host {host!r} resolves to a non-public address ({listed})")
    return url.strip()


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
