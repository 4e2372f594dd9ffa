"""Subscriptions: a saved search (the `/api/search` filters), a webhook, and two delivery watermarks.

The watermarks say up to which instant reports have been turned into deliveries:
`new_watermark` over reports' `first_seen_at`, `revision_watermark` over the
versions ledger's `recorded_at`. A subscription starts at its creation instant, so
it is told about what appears after it was made, not about the whole archive.

A webhook secret is stored sealed (govreports/secrets.py) and opened only to sign a delivery.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field

from govreports.secrets import SecretBox, SecretUnreadable, open_secret, seal_secret, secret_box
from govreports.settings import Settings
from monitor.clock import es_date, to_millis
from monitor.errors import UnknownSubscription, elasticsearch_errors
from monitor.indices import MonitorIndices
from monitor.scan import scan_hits
from search_api.query import SearchFilters

log = logging.getLogger("govreports.monitor")


class SubscriptionSpec(BaseModel):
    """What a user sends to create a subscription."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="a label for people")
    filters: SearchFilters = Field(
        default_factory=lambda: SearchFilters(), description="the same filters /api/search takes"
    )
    webhook_url: str = Field(min_length=1, max_length=2000, description="http(s) URL POSTed to")
    notify_revisions: bool = Field(
        False, description="also send `revised` events naming the cells that changed"
    )
    notify_missing: bool = Field(
        False,
        description="also send `missing` events (an office published nothing for a year, docs/audit.md) "
        "and `missing_cleared` when its report turns up; matched on the office, region and level filters",
    )
    secret: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="when set, each POST carries X-Govreports-Signature: sha256=HMAC-SHA256(secret, body)",
    )


class Subscription(SubscriptionSpec):
    # As stored: sealed ("fernet:…"), or plain text when written before secrets were sealed.
    secret: str | None = None
    id: str
    created_at: datetime
    new_watermark: datetime
    revision_watermark: datetime

    def document(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        for key in ("created_at", "new_watermark", "revision_watermark"):
            document[key] = es_date(getattr(self, key))
        return document


class SubscriptionView(BaseModel):
    """A subscription as the API shows it: the secret is never echoed, only whether there is one."""

    id: str
    name: str
    filters: SearchFilters
    webhook_url: str
    notify_revisions: bool
    notify_missing: bool
    has_secret: bool
    created_at: datetime
    new_watermark: datetime
    revision_watermark: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls(**subscription.model_dump(exclude={"secret"}), has_secret=subscription.secret is not None)


def new_subscription(spec: SubscriptionSpec, now: datetime, secrets: SecretBox | None) -> Subscription:
    """A subscription starting now, its secret sealed; a secret with no key to seal it is refused."""
    start = to_millis(now)
    return Subscription(
        **spec.model_dump(exclude={"secret"}),
        secret=None if spec.secret is None else seal_secret(spec.secret, secrets),
        id=uuid.uuid4().hex,
        created_at=start,
        new_watermark=start,
        revision_watermark=start,
    )


def signing_secret(subscription: Subscription, secrets: SecretBox | None) -> str | None:
    """The plain secret deliveries are signed with, None when the subscription has none."""
    return None if subscription.secret is None else open_secret(subscription.secret, secrets)


# --- storage (synchronous client: the watch loop and the command line) -----------

# Fields added to the strict subscriptions mapping since it was first created: an index made
# before them takes them (put_mapping adds a field, and adding it again is a no-op).
ADDED_FIELDS: dict[str, Any] = {"notify_missing": {"type": "boolean"}}


def add_new_fields(client: Elasticsearch, indices: MonitorIndices) -> None:
    client.indices.put_mapping(index=indices.subscriptions, properties=ADDED_FIELDS)


def save(client: Elasticsearch, indices: MonitorIndices, subscription: Subscription) -> None:
    add_new_fields(client, indices)
    client.index(
        index=indices.subscriptions, id=subscription.id, document=subscription.document(), refresh=True
    )


def load_all(client: Elasticsearch, indices: MonitorIndices) -> list[Subscription]:
    hits = scan_hits(client, indices.subscriptions, {"match_all": {}}, [{"created_at": "asc"}, {"id": "asc"}])
    return [Subscription.model_validate(hit["_source"]) for hit in hits]


def load(client: Elasticsearch, indices: MonitorIndices, subscription_id: str) -> Subscription:
    try:
        response = client.get(index=indices.subscriptions, id=subscription_id)
    except NotFoundError as error:
        raise UnknownSubscription(f"no subscription has the id {subscription_id!r}") from error
    return Subscription.model_validate(response["_source"])


def move_watermark(
    client: Elasticsearch, indices: MonitorIndices, subscription_id: str, field: str, until: datetime
) -> bool:
    """Advance one watermark; False when the subscription was deleted meanwhile."""
    try:
        client.update(index=indices.subscriptions, id=subscription_id, doc={field: es_date(until)})
    except NotFoundError:
        return False
    return True


def seal_stored_secrets(client: Elasticsearch, settings: Settings) -> int:
    """Seal under the first key of GOVREPORTS_SECRET_KEYS every stored secret that is not: plain
    text written before secrets were sealed, or sealed under a key since rotated out of first place.

    Run at each start of the API and of the watch loop; returns how many secrets were rewritten.
    """
    box = secret_box(settings)
    if box is None:
        return 0
    indices = MonitorIndices(settings.index)
    with elasticsearch_errors(settings.es_url):
        if not client.indices.exists(index=indices.subscriptions):
            return 0
        # The scan is a search: make a subscription saved a moment ago visible to it.
        client.indices.refresh(index=indices.subscriptions)
        order: list[dict[str, Any]] = [{"created_at": "asc"}, {"id": "asc"}]
        hits = scan_hits(client, indices.subscriptions, {"match_all": {}}, order, fields=["secret"])
        rewritten = sum(_reseal(client, indices, hit, box) for hit in hits)
    if rewritten:
        log.info("sealed %d webhook secret(s) under the first key of GOVREPORTS_SECRET_KEYS", rewritten)
    return rewritten


def _reseal(client: Elasticsearch, indices: MonitorIndices, hit: dict[str, Any], box: SecretBox) -> bool:
    stored = hit["_source"].get("secret")
    if stored is None:
        return False
    try:
        resealed = box.resealed(stored)
    except SecretUnreadable as error:
        log.warning("subscription %s: %s", hit["_id"], error)
        return False
    if resealed is None:
        return False
    try:
        # Only the secret changes: a watermark moved meanwhile is kept (the update retries on conflict).
        client.update(
            index=indices.subscriptions, id=hit["_id"], doc={"secret": resealed}, retry_on_conflict=3
        )
    except NotFoundError:
        return False  # deleted meanwhile
    return True
