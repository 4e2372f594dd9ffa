"""`missing` and `missing_cleared` deliveries: an office found without a report for a year, and the
report that later turned up.

The audit finds the changes (an office-year that became `missing`, a missing year whose report
arrived) and hands them here before it writes the office documents. Each subscription that opted
in (`notify_missing`) and whose office, region and level filters match the office gets one
delivery per change; its other filters (keywords, numbers, years) describe reports, and a report
that does not exist has none of them, so they are not applied. A delivery's id is made of the
subscription, the event, the office and the year: an audit run again (or one that crashed
between recording the deliveries and writing the offices) finds them recorded and sends nothing
twice. A subscription hears `missing_cleared` only for a `missing` it was told of.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from elasticsearch import Elasticsearch

from monitor import deliveries, subscriptions
from monitor.clock import to_millis
from monitor.deliveries import Delivery
from monitor.events import MissingEvent, MissingEventName, OfficeRef, SubscriptionRef, missing_delivery_id
from monitor.indices import MonitorIndices, ensure_indices
from monitor.retry import RetryPolicy
from monitor.subscriptions import Subscription


@dataclass(frozen=True)
class MissingChange:
    """One office-year that became missing, or (`missing_cleared`) whose report turned up."""

    event: MissingEventName
    office_id: str
    office: str | None  # the latest printed name
    names: frozenset[str]  # every name the office printed
    region: dict[str, str | None]
    level: str | None
    year: int
    deadline: date
    detail: str
    report_id: str | None = None  # the report that turned up

    def office_ref(self) -> OfficeRef:
        return OfficeRef(office_id=self.office_id, name=self.office, region=self.region, level=self.level)


def matches(subscription: Subscription, change: MissingChange) -> bool:
    """The subscription opted in, and its office, region and level filters (each: any of) hold."""
    filters = subscription.filters
    region = change.region
    return (
        subscription.notify_missing
        and (not filters.office or bool(change.names & set(filters.office)))
        and (not filters.province or region.get("province") in filters.province)
        and (not filters.city or region.get("city") in filters.city)
        and (not filters.county or region.get("county") in filters.county)
        and (not filters.level or change.level in filters.level)
    )


def record_missing_events(
    client: Elasticsearch,
    alias: str,
    changes: Sequence[MissingChange],
    *,
    now: datetime,
    policy: RetryPolicy | None = None,
) -> list[str]:
    """Record the deliveries of `changes` for every matching subscription; the ids newly recorded."""
    indices = MonitorIndices(alias)
    if not changes or not client.indices.exists(index=indices.subscriptions):
        return []
    listening = [sub for sub in subscriptions.load_all(client, indices) if sub.notify_missing]
    if not listening:
        return []
    ensure_indices(client, indices)  # the API creates only the subscriptions index
    policy = policy or RetryPolicy()
    recorded: list[str] = []
    for subscription in listening:
        for change in _told(client, indices, subscription, changes):
            delivery = _delivery(subscription, change, to_millis(now), policy)
            if deliveries.record(client, indices, delivery):
                recorded.append(delivery.id)
    return recorded


def _told(
    client: Elasticsearch,
    indices: MonitorIndices,
    subscription: Subscription,
    changes: Iterable[MissingChange],
) -> list[MissingChange]:
    """The changes the subscription is to hear of: matching ones; a clearing only of a missing it was sent."""
    found = []
    for change in changes:
        if not matches(subscription, change):
            continue
        if change.event == "missing_cleared":
            told = missing_delivery_id(subscription.id, "missing", change.office_id, change.year)
            if deliveries.get(client, indices, told) is None:
                continue
        found.append(change)
    return found


def _delivery(
    subscription: Subscription, change: MissingChange, now: datetime, policy: RetryPolicy
) -> Delivery:
    identity = missing_delivery_id(subscription.id, change.event, change.office_id, change.year)
    body = MissingEvent(
        event=change.event,
        delivery_id=identity,
        subscription=SubscriptionRef(id=subscription.id, name=subscription.name),
        created_at=now,
        office=change.office_ref(),
        year=change.year,
        deadline=change.deadline,
        detail=change.detail,
        report_id=change.report_id,
    ).body()
    return Delivery(
        id=identity,
        subscription_id=subscription.id,
        event=change.event,
        window_start=now,
        window_end=now,
        report_ids=[change.report_id] if change.report_id else [],
        body=body.decode("utf-8"),
        created_at=now,
        next_attempt_at=now,
        expires_at=policy.expires_at(now),
    )
