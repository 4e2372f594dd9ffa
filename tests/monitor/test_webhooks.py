"""Webhook URL validation, HMAC signing and the retry schedule: pure, no network."""

import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import InvalidWebhookUrl
from monitor.retry import RetryPolicy
from monitor.signing import sign, verify
from monitor.webhook_url import Resolver, validate_webhook_url


def resolver(*addresses: str) -> Resolver:
    """A resolver answering `addresses` for any host: no DNS in unit tests."""

    def resolve(host: str, port: int) -> Iterable[str]:
        return addresses

    return resolve


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("https://hooks.example.org/govreports", ("93.184.216.34",)),
        ("http://hooks.example.org:8080/x?token=1", ("93.184.216.34", "2606:2800:220:1::1")),
        ("https://8.8.8.8/hook", ()),
    ],
)
def test_accepts_public_http_urls(url: str, addresses: tuple[str, ...]) -> None:
    assert validate_webhook_url(url, allow_private=False, resolve=resolver(*addresses)) == url


@pytest.mark.parametrize(
    ("url", "addresses", "reason"),
    [
        ("ftp://hooks.example.org/x", ("93.184.216.34",), "http or https"),
        ("file:///etc/passwd", (), "http or https"),
        ("hooks.example.org/x", (), "http or https"),
        ("https:///nohost", (), "no host"),
        ("http://127.0.0.1:9200/", (), "non-public"),
        ("http://localhost/", ("127.0.0.1", "::1"), "non-public"),
        ("http://10.1.2.3/", (), "non-public"),
        ("http://192.168.0.10/", (), "non-public"),
        ("http://169.254.169.254/latest/meta-data", (), "non-public"),
        ("http://[::1]/", (), "non-public"),
        ("http://[::ffff:127.0.0.1]/", (), "non-public"),
        ("http://0.0.0.0/", (), "non-public"),
        ("http://224.0.0.1/", (), "non-public"),
        # One private address among public ones is enough to refuse (DNS can pick either).
        ("https://mixed.example.org/", ("93.184.216.34", "10.0.0.5"), "10.0.0.5"),
        ("https://nothing.example.org/", (), "does not resolve"),
        ("http://example.org:99999/", (), "malformed"),
    ],
)
def test_refuses_bad_or_private_urls(url: str, addresses: tuple[str, ...], reason: str) -> None:
    with pytest.raises(InvalidWebhookUrl, match=reason):
        validate_webhook_url(url, allow_private=False, resolve=resolver(*addresses))


def test_private_addresses_are_allowed_when_configured() -> None:
    url = "http://127.0.0.1:8765/hook"
    assert validate_webhook_url(url, allow_private=True, resolve=resolver()) == url


def test_allowing_private_addresses_still_requires_http() -> None:
    with pytest.raises(InvalidWebhookUrl, match="http or https"):
        validate_webhook_url("gopher://127.0.0.1/", allow_private=True, resolve=resolver())


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = '{"event":"new","office":"均禾街"}'.encode()
    signature = sign(body, "s3cret")
    assert signature == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert verify(body, "s3cret", signature)
    assert not verify(body + b" ", "s3cret", signature)
    assert not verify(body, "other", signature)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (0, timedelta(0)),
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (7, timedelta(minutes=32)),
        (8, timedelta(hours=1)),
        (10_000, timedelta(hours=1)),
    ],
)
def test_retry_delay_doubles_up_to_a_cap(attempts: int, delay: timedelta) -> None:
    assert RetryPolicy().delay_after(attempts) == delay


def test_retry_schedule_and_expiry_are_relative_to_given_instants() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=1), expire_after=timedelta(hours=2))
    now = datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert policy.next_attempt_at(2, now) == now + timedelta(seconds=2)
    assert policy.expires_at(now) == now + timedelta(hours=2)


def test_signature_matches_an_independent_known_answer() -> None:
    # From: printf '%s' '{"event":"new"}' | openssl dgst -sha256 -hmac s3cret
    expected = "sha256=f705ae1909c98ad5d4ecfe98a34b47fc9ac6b76b93bf8781d440b84f2308ce89"
    assert sign(b'{"event":"new"}', "s3cret") == expected
