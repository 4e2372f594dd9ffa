"""The delivery log: every webhook POST owed, kept in Elasticsearch until delivered or expired.

A delivery is recorded (with its exact body) before it is first tried, so a crash,
a receiver that is down or a restart loses nothing: the next pass finds it pending.
Before sending, a pass claims the delivery for a short lease (an optimistic-concurrency
update), so two watch processes do not both send it; a pass that dies mid-send lets
the lease run out and the delivery is sent again, with the same idempotency key.

Each POST goes through `monitor.pinned`: to the addresses its one DNS lookup checked,
within one deadline for the whole exchange, reading at most so many bytes of the answer.
The lease outlasts that deadline, so no delivery is sent twice at once.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any, Literal

import httpx
from elasticsearch import ConflictError, Elasticsearch, NotFoundError
from pydantic import BaseModel

from govreports.secrets import SecretBox, SecretUnavailable
from govreports.settings import Settings
from monitor.clock import Clock, es_date
from monitor.errors import InvalidWebhookUrl
from monitor.events import EventName
from monitor.indices import MonitorIndices
from monitor.pinned import pinned_client
from monitor.retry import RetryPolicy
from monitor.scan import scan_hits
from monitor.signing import SIGNATURE_HEADER, sign
from monitor.subscriptions import Subscription, signing_secret
from monitor.webhook_url import Resolver, checked_addresses, resolve_host, webhook_target

Status = Literal["pending", "delivered", "expired", "cancelled"]
DELIVERY_HEADER = "X-Govreports-Delivery"
EVENT_HEADER = "X-Govreports-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A claim lasts a POST's deadline and this much more, for the DNS lookup (bounded by the system
# resolver's own timeouts) and the Elasticsearch writes around the POST; a crashed sender's claim
# lapses that soon after.
CLAIM_MARGIN = timedelta(minutes=1)
# How much of a failed POST's answer `last_error` keeps, for whoever debugs the receiver.
ERROR_EXCERPT_CHARS = 200
_DATES = ("window_start", "window_end", "created_at", "next_attempt_at", "expires_at", "delivered_at")


class Delivery(BaseModel):
    id: str
    subscription_id: str
    event: EventName
    window_start: datetime
    window_end: datetime
    report_ids: list[str]
    # The JSON body exactly as POSTed, so every retry sends (and signs) the same bytes.
    body: str
    status: Status = "pending"
    attempts: int = 0
    created_at: datetime
    next_attempt_at: datetime
    expires_at: datetime
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None

    def document(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        for key in _DATES:
            value = getattr(self, key)
            document[key] = None if value is None else es_date(value)
        return document


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class PostLimits:
    """How far one POST may go: a deadline for all of it, and how much of the answer is read."""

    deadline: float
    max_response_bytes: int
    # Looks a webhook's host up (a test gives a stub in place of DNS).
    resolve: Resolver = resolve_host

    @classmethod
    def of(cls, settings: Settings) -> PostLimits:
        return cls(deadline=settings.webhook_deadline, max_response_bytes=settings.webhook_max_response_bytes)

    @property
    def claim_lease(self) -> timedelta:
        return timedelta(seconds=self.deadline) + CLAIM_MARGIN


@dataclass
class DeliveryPass:
    """What one pass over the due deliveries did."""

    delivered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


# --- the log ------------------------------------------------------------------


def record(client: Elasticsearch, indices: MonitorIndices, delivery: Delivery) -> bool:
    """Store a new delivery; False when one with this id exists (a re-run recomputed it)."""
    try:
        client.create(index=indices.deliveries, id=delivery.id, document=delivery.document())
    except ConflictError:
        return False
    return True


def get(client: Elasticsearch, indices: MonitorIndices, delivery_id: str) -> Delivery | None:
    try:
        response = client.get(index=indices.deliveries, id=delivery_id)
    except NotFoundError:
        return None
    return Delivery.model_validate(response["_source"])


def next_due_at(client: Elasticsearch, indices: MonitorIndices) -> datetime | None:
    """When the earliest pending delivery is due, for a loop deciding how long to sleep."""
    response = client.search(
        index=indices.deliveries,
        size=0,
        query={"term": {"status": "pending"}},
        aggs={"due": {"min": {"field": "next_attempt_at"}}},
    )
    value = response["aggregations"]["due"].get("value_as_string")
    return datetime.fromisoformat(value) if value else None


def _due(client: Elasticsearch, indices: MonitorIndices, now: datetime) -> Iterator[dict[str, Any]]:
    query = {
        "bool": {
            "filter": [
                {"term": {"status": "pending"}},
                {"range": {"next_attempt_at": {"lte": es_date(now)}}},
            ]
        }
    }
    # Oldest first, so a subscription's events arrive in the order they happened.
    sort: list[dict[str, Any]] = [{"window_start": "asc"}, {"created_at": "asc"}, {"id": "asc"}]
    client.indices.refresh(index=indices.deliveries)
    # Sequence numbers come with each hit, for the optimistic-concurrency writes in `_save`.
    yield from scan_hits(client, indices.deliveries, query, sort, seq_no_primary_term=True)


def _save(client: Elasticsearch, indices: MonitorIndices, delivery: Delivery, hit: dict[str, Any]) -> bool:
    """Write `delivery` back only if nobody changed it since `hit` was read; False if someone did."""
    try:
        response = client.index(
            index=indices.deliveries,
            id=delivery.id,
            document=delivery.document(),
            if_seq_no=hit["_seq_no"],
            if_primary_term=hit["_primary_term"],
        )
    except ConflictError:
        return False
    hit["_seq_no"], hit["_primary_term"] = response["_seq_no"], response["_primary_term"]
    return True


# --- sending ------------------------------------------------------------------


def headers_for(
    delivery: Delivery, subscription: Subscription, user_agent: str, secrets: SecretBox | None
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        # Only the start of an answer is read: it had better be readable, not a compressed stream.
        "Accept-Encoding": "identity",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.id,
        IDEMPOTENCY_HEADER: delivery.id,
    }
    secret = signing_secret(subscription, secrets)
    if secret:
        headers[SIGNATURE_HEADER] = sign(delivery.body.encode("utf-8"), secret)
    return headers


def post(
    limits: PostLimits,
    delivery: Delivery,
    subscription: Subscription,
    *,
    user_agent: str,
    allow_private: bool,
    secrets: SecretBox | None,
) -> Attempt:
    """One POST of the delivery, within `limits`; any 2xx is success, anything else a failure to retry."""
    try:
        target = webhook_target(subscription.webhook_url)
        headers = headers_for(delivery, subscription, user_agent, secrets)
        # Checked again at send time, on the very addresses connected to: DNS may have moved since.
        addresses_of = partial(checked_addresses, allow_private=allow_private, resolve=limits.resolve)
        body = delivery.body.encode("utf-8")
        with (
            pinned_client(addresses_of, deadline=limits.deadline, tls=_tls_context()) as http,
            http.stream("POST", target.url, content=body, headers=headers) as response,
        ):
            answer = _read_at_most(response, limits.max_response_bytes)
    except (InvalidWebhookUrl, SecretUnavailable) as error:  # a secret it cannot sign with: never unsigned
        return Attempt(ok=False, error=str(error))
    except httpx.HTTPError as error:
        return Attempt(ok=False, error=f"{type(error).__name__}: {error}")
    if 200 <= response.status_code < 300:
        return Attempt(ok=True, status=response.status_code)
    excerpt = " ".join(answer.decode("utf-8", "replace").split())[:ERROR_EXCERPT_CHARS]
    failure = f"HTTP {response.status_code}: {excerpt}" if excerpt else f"HTTP {response.status_code}"
    return Attempt(ok=False, status=response.status_code, error=failure)


def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    """Up to `limit` bytes of the answer as sent (never inflated); the rest is never downloaded."""
    answer = bytearray()
    chunks = response.iter_raw()
    while len(answer) < limit and (chunk := next(chunks, None)) is not None:
        answer += chunk[: limit - len(answer)]
    return bytes(answer)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # Building a TLS context loads the CA bundle (a third of a second): once per process is enough.
    return httpx.create_ssl_context()


def deliver_due(
    client: Elasticsearch,
    indices: MonitorIndices,
    limits: PostLimits,
    *,
    clock: Clock,
    policy: RetryPolicy,
    user_agent: str,
    allow_private: bool,
    secrets: SecretBox | None,
    stopped: Callable[[], bool] = lambda: False,
) -> DeliveryPass:
    """Try every delivery that is due, until `stopped`; a failing receiver's later deliveries wait
    for its next turn. The clock is read at each step: one POST may take up to its deadline."""
    outcome = DeliveryPass()
    subscriptions: dict[str, Subscription | None] = {}
    stalled: set[str] = set()
    for hit in _due(client, indices, clock()):
        if stopped():
            break
        delivery = Delivery.model_validate(hit["_source"])
        if delivery.subscription_id in stalled:
            continue
        if delivery.subscription_id not in subscriptions:
            subscriptions[delivery.subscription_id] = _subscription(client, indices, delivery.subscription_id)
        subscription = subscriptions[delivery.subscription_id]
        if subscription is None:
            _finish(client, indices, delivery, hit, "cancelled", outcome.cancelled)
        elif clock() >= delivery.expires_at:
            _finish(client, indices, delivery, hit, "expired", outcome.expired)
        elif _claim(client, indices, delivery, hit, until=clock() + limits.claim_lease):
            attempt = post(
                limits,
                delivery,
                subscription,
                user_agent=user_agent,
                allow_private=allow_private,
                secrets=secrets,
            )
            _settle(client, indices, delivery, hit, attempt, clock(), policy)
            (outcome.delivered if attempt.ok else outcome.failed).append(delivery.id)
            if not attempt.ok:
                stalled.add(delivery.subscription_id)
    return outcome


def _subscription(
    client: Elasticsearch, indices: MonitorIndices, subscription_id: str
) -> Subscription | None:
    try:
        response = client.get(index=indices.subscriptions, id=subscription_id)
    except NotFoundError:
        return None
    return Subscription.model_validate(response["_source"])


def _claim(
    client: Elasticsearch,
    indices: MonitorIndices,
    delivery: Delivery,
    hit: dict[str, Any],
    *,
    until: datetime,
) -> bool:
    delivery.next_attempt_at = until
    return _save(client, indices, delivery, hit)


def _settle(
    client: Elasticsearch,
    indices: MonitorIndices,
    delivery: Delivery,
    hit: dict[str, Any],
    attempt: Attempt,
    now: datetime,
    policy: RetryPolicy,
) -> None:
    delivery.attempts += 1
    delivery.last_status = attempt.status
    delivery.last_error = attempt.error
    if attempt.ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
    else:
        delivery.next_attempt_at = policy.next_attempt_at(delivery.attempts, now)
    _save(client, indices, delivery, hit)


def _finish(
    client: Elasticsearch,
    indices: MonitorIndices,
    delivery: Delivery,
    hit: dict[str, Any],
    status: Status,
    into: list[str],
) -> None:
    delivery.status = status
    if _save(client, indices, delivery, hit):
        into.append(delivery.id)
