"""Subscriptions: a saved search (the `/api/search` filters), a webhook, and two delivery watermarks.

The watermarks say up to which instant reports have been turned into deliveries:
`new_watermark` over reports' `first_seen_at`, `revision_watermark` over the
versions ledger's `recorded_at`. A subscription starts at its creation instant, so
it is told about what appears after it was made, not about the whole archive.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from pydantic import BaseModel, ConfigDict, Field

from monitor.clock import es_date, to_millis
from monitor.errors import UnknownSubscription
from monitor.indices import MonitorIndices
from monitor.scan import scan_hits
from search_api.query import SearchFilters


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
    secret: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="when set, each POST carries X-Govreports-Signature: sha256=HMAC-SHA256(secret, body)",
    )


class Subscription(SubscriptionSpec):
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
    has_secret: bool
    created_at: datetime
    new_watermark: datetime
    revision_watermark: datetime

    @classmethod
    def of(cls, subscription: Subscription) -> SubscriptionView:
        return cls(**subscription.model_dump(exclude={"secret"}), has_secret=subscription.secret is not None)


def new_subscription(spec: SubscriptionSpec, now: datetime) -> Subscription:
    start = to_millis(now)
    return Subscription(
        **spec.model_dump(),
        id=uuid.uuid4().hex,
        created_at=start,
        new_watermark=start,
        revision_watermark=start,
    )


# --- storage (synchronous client: the watch loop and the command line) -----------


def save(client: Elasticsearch, indices: MonitorIndices, subscription: Subscription) -> None:
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
