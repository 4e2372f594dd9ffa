"""SSRF through webhooks: the address checked is the address connected to, however DNS answers the
second time; IPv4 carried inside IPv6 is judged as IPv4; a host name two IDNA standards read as two
different hosts is refused. No traffic leaves loopback: a guard under the HTTP client refuses any
connection to another address (and records it)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import uuid
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from elasticsearch import Elasticsearch

from govreports.settings import Settings
from monitor import deliveries, subscriptions
from monitor.clock import utc_now
from monitor.deliveries import Delivery, PostLimits
from monitor.errors import InvalidWebhookUrl
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import send_due
from monitor.pinned import pinned_client
from monitor.subscriptions import Subscription
from monitor.webhook_url import IPAddress, Resolver, validate_webhook_url

PUBLIC = "93.184.216.34"  # a global address: the guard below makes sure nothing is ever sent to it
REBINDING_HOST = "rebind.test"


def answering(*addresses: str) -> Resolver:
    def resolve(host: str, port: int) -> Iterable[str]:
        return addresses

    return resolve


# --- addresses and names, no network ------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 (well-known prefix) of 127.0.0.1
        "64:ff9b::a00:5",  # … of 10.0.0.5
        "64:ff9b::a9fe:a9fe",  # … of 169.254.169.254
        "64:ff9b:1:7f00:0:100::",  # NAT64 for local use (RFC 8215), 127.0.0.1 in its /48 layout
        "64:ff9b:1::808:808",  # … whatever it carries: the local network decides where it goes
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:1::1",  # 6to4 of 192.168.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1 (deprecated)
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
    ],
)
def test_private_ipv4_inside_ipv6_is_refused(address: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match="non-public"):
        validate_webhook_url("https://hooks.example.org/x", allow_private=False, resolve=answering(address))
    with pytest.raises(InvalidWebhookUrl, match="non-public"):
        validate_webhook_url(f"http://[{address}]/x", allow_private=False, resolve=answering())


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:2800:220:1::1"])
def test_public_ipv4_inside_ipv6_is_accepted(address: str) -> None:
    url = "https://hooks.example.org/x"
    assert validate_webhook_url(url, allow_private=False, resolve=answering(address)) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://faß.de/hook",  # IDNA 2003 (the resolver): fass.de; IDNA 2008 (httpx): xn--fa-hia.de
        "http://ς.example/hook",  # final sigma: σ to one standard, kept to the other
    ],
)
def test_a_host_two_idna_standards_read_differently_is_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match="ambiguous"):
        validate_webhook_url(url, allow_private=False, resolve=answering(PUBLIC))


def test_an_unambiguous_international_host_is_accepted() -> None:
    url = "https://例子.测试/hook"
    assert validate_webhook_url(url, allow_private=False, resolve=answering(PUBLIC)) == url


# --- connecting: one lookup, checked, then connected to --------------------------------


class Connections:
    """What the socket layer under the HTTP client was asked to connect to."""

    def __init__(self) -> None:
        self.refused: list[str] = []


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Connections:
    """Under every httpx client: connect to loopback only; any other address is recorded and refused."""
    connections = Connections()
    real_connect = httpcore.SyncBackend.connect_tcp

    def connect_tcp(self: httpcore.SyncBackend, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        try:
            address: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            address = None  # a name: the socket layer resolves it (the old, vulnerable path)
        if address is not None and not address.is_loopback:
            connections.refused.append(host)
            raise httpcore.ConnectError(f"test guard: no traffic to {host}")
        return real_connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    return connections


class Receiver:
    """A webhook receiver on 127.0.0.1: the loopback address no POST may reach. Counts the POSTs."""

    def __init__(self) -> None:
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.posts += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def subscription_to(url: str) -> Subscription:
    now = utc_now()
    return Subscription(
        id=uuid.uuid4().hex,
        name="ssrf",
        webhook_url=url,
        created_at=now,
        new_watermark=now,
        revision_watermark=now,
    )


def delivery_for(subscription: Subscription) -> Delivery:
    now = utc_now()
    return Delivery(
        id=uuid.uuid4().hex,
        subscription_id=subscription.id,
        event="new",
        window_start=now,
        window_end=now,
        report_ids=[],
        body='{"event":"new"}',
        created_at=now,
        next_attempt_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )


@pytest.mark.timeout(30)
def test_a_rebinding_resolver_never_gets_the_post_to_loopback(
    receiver: Receiver, loopback_only: Connections
) -> None:
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return [PUBLIC] if len(lookups) == 1 else ["127.0.0.1"]

    subscription = subscription_to(f"http://{REBINDING_HOST}:{receiver.port}/hook")
    limits = PostLimits(deadline=5.0, max_response_bytes=1024, resolve=rebinding)
    attempt = deliveries.post(
        limits, delivery_for(subscription), subscription, user_agent="t", allow_private=False, secrets=None
    )
    assert not attempt.ok and receiver.posts == 0
    assert lookups == [REBINDING_HOST]  # looked up once, and the checked answer is what was dialled
    assert loopback_only.refused == [PUBLIC]


@pytest.mark.es
@pytest.mark.timeout(60)
def test_send_time_dns_rebinding_does_not_reach_loopback(
    es_client: Elasticsearch,
    es_settings: Settings,
    receiver: Receiver,
    loopback_only: Connections,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through the real delivery pass and the system resolver: the host's first answer is public,
    every later one 127.0.0.1, as a rebinding DNS server would answer."""
    real_getaddrinfo = socket.getaddrinfo
    answers: list[str] = []

    def rebinding_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != REBINDING_HOST:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers.append(PUBLIC if not answers else "127.0.0.1")
        return real_getaddrinfo(answers[-1], port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    indices = MonitorIndices(es_settings.index)
    ensure_indices(es_client, indices)
    subscription = subscription_to(f"http://{REBINDING_HOST}:{receiver.port}/hook")
    subscriptions.save(es_client, indices, subscription)
    delivery = delivery_for(subscription)
    deliveries.record(es_client, indices, delivery)

    outcome = send_due(es_client, es_settings.model_copy(update={"allow_private_webhooks": False}))
    assert outcome.failed == [delivery.id]
    assert receiver.posts == 0
    assert loopback_only.refused == [PUBLIC]


# --- TLS keeps the host name --------------------------------------------------------


class TlsReceiver:
    """An HTTPS receiver on 127.0.0.1 with a certificate for `name`, signed by a CA made here."""

    def __init__(self, directory: Path, name: str, ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]):
        self.server_names: list[str | None] = []
        self.hosts: list[str | None] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*_issue(directory, name, ca))
        context.sni_callback = lambda connection, server_name, _: self.server_names.append(server_name)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hosts.append(self.headers.get("Host"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _make_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("govreports test CA"))
        .issuer_name(_name("govreports test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _issue(
    directory: Path, name: str, ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
) -> tuple[Path, Path]:
    ca_key, ca_certificate = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    return _make_ca()


def trusting(ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=ca[1].public_bytes(serialization.Encoding.PEM).decode())
    return context


def to_loopback(seen: list[str]) -> Any:
    def addresses_of(host: str, port: int) -> list[IPAddress]:
        seen.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    return addresses_of


@pytest.mark.timeout(30)
def test_the_pinned_connection_keeps_the_host_name_for_sni_certificate_and_host_header(
    tmp_path: Path, ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
) -> None:
    server = TlsReceiver(tmp_path, "hooks.example", ca)
    looked_up: list[str] = []
    try:
        with pinned_client(to_loopback(looked_up), deadline=10.0, tls=trusting(ca)) as http:
            response = http.post(f"https://hooks.example:{server.port}/hook", content=b"{}")
    finally:
        server.close()
    assert response.status_code == 204
    assert looked_up == ["hooks.example"]
    assert server.server_names == ["hooks.example"]
    assert server.hosts == [f"hooks.example:{server.port}"]


@pytest.mark.timeout(30)
def test_the_certificate_is_checked_against_the_host_name_not_the_address(
    tmp_path: Path, ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate]
) -> None:
    server = TlsReceiver(tmp_path, "other.example", ca)
    try:
        with (
            pinned_client(to_loopback([]), deadline=10.0, tls=trusting(ca)) as http,
            pytest.raises(httpx.ConnectError, match="certificate"),
        ):
            http.post(f"https://hooks.example:{server.port}/hook", content=b"{}")
    finally:
        server.close()
