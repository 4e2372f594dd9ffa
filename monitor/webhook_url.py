"""Webhook URL validation: http(s) only, one unambiguous host, no loopback/private targets unless allowed.

A webhook makes this server send requests on a stranger's behalf, so a URL that
resolves to an address inside the network (127.0.0.1, 10/8, 169.254.169.254, …)
would let anyone probe it. Every address the host resolves to must be global, and so
must the IPv4 address an IPv6 one carries (mapped, NAT64, 6to4): those reach it.

This check runs when a subscription is made; at send time `monitor.pinned` runs
`checked_addresses` on the one DNS answer it then connects to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from monitor.errors import InvalidWebhookUrl

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 ranges whose last 32 bits are an IPv4 address that traffic to them ends up at:
# IPv4-mapped, IPv4-compatible (deprecated), IPv4-translated (SIIT) and NAT64's well-known prefix.
_IPV4_IN_LAST_32_BITS = tuple(
    ipaddress.IPv6Network(network)
    for network in ("::ffff:0:0/96", "::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
# NAT64 for local use (RFC 8215): the network chooses how IPv4 is embedded, so none of it is public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    # The host as the HTTP client connects to it (IDNA-encoded), and the port.
    host: str
    port: int


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA), as strings."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidWebhookUrl(f"webhook host {host!r} does not resolve: {error}") from error
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: IPAddress) -> bool:
    # An IPv6 address carrying an IPv4 one (::ffff:127.0.0.1, 64:ff9b::10.0.0.1, 2002:7f00:1::)
    # is judged by the IPv4 address it carries.
    carried = embedded_ipv4(address)
    if carried is not None:
        return is_public(carried)
    if address in _LOCAL_NAT64:
        return False
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address that an IPv6 address (mapped, compatible, translated, NAT64, 6to4) reaches."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def webhook_target(url: str) -> WebhookTarget:
    """Where `url` sends to, if http(s) with one unambiguous host; else `InvalidWebhookUrl`. No DNS."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidWebhookUrl(f"webhook URL {url!r} is malformed: {error}") from error
    if parts.scheme not in _DEFAULT_PORTS:
        raise InvalidWebhookUrl(f"webhook URL must be http or https, not {parts.scheme or 'empty'!r}")
    if not parts.hostname:
        raise InvalidWebhookUrl(f"webhook URL {url!r} has no host")
    host = _connected_host(text, parts.hostname)
    return WebhookTarget(text, host, port or _DEFAULT_PORTS[parts.scheme])


def _connected_host(url: str, host: str) -> str:
    """The host the HTTP client connects to, when Python's resolver would look up the same name.

    IDNA 2003 (Python's codec, which `socket.getaddrinfo` applies) and IDNA 2008 (httpx)
    encode some names differently: faß.de is fass.de to one and xn--fa-hia.de to the other,
    so a check of one name would vouch for a connection to another.
    """
    try:
        connected = httpx.URL(url).raw_host.decode("ascii").lower()
        looked_up = host.encode("idna").decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError) as error:
        raise InvalidWebhookUrl(f"webhook host {host!r} is not a valid host name: {error}") from error
    if connected != looked_up:
        raise InvalidWebhookUrl(
            f"webhook host {host!r} is ambiguous: the HTTP client would connect to {connected!r}, "
            f"the resolver look up {looked_up!r}"
        )
    return connected


def checked_addresses(
    host: str, port: int, *, allow_private: bool, resolve: Resolver = resolve_host
) -> list[IPAddress]:
    """`host`'s addresses from one lookup, all public unless `allow_private`; else `InvalidWebhookUrl`."""
    literal = _literal_address(host)
    addresses = [literal] if literal else [ipaddress.ip_address(text) for text in resolve(host, port)]
    if not addresses:
        raise InvalidWebhookUrl(f"webhook host {host!r} does not resolve")
    if allow_private:
        return addresses
    refused = [str(address) for address in addresses if not is_public(address)]
    if refused:
        listed = ", ".join(refused)
        raise InvalidWebhookUrl(f"webhook host {host!r} resolves to a non-public address ({listed})")
    return addresses


def validate_webhook_url(url: str, *, allow_private: bool, resolve: Resolver = resolve_host) -> str:
    """Return `url` when it may receive webhooks, else raise `InvalidWebhookUrl` saying why."""
    target = webhook_target(url)
    if not allow_private:
        checked_addresses(target.host, target.port, allow_private=False, resolve=resolve)
    return target.url


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
