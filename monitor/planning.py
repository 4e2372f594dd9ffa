"""Turning the index state into deliveries: per subscription, what appeared since its watermark.

For each subscription and event kind, the window (watermark, cutoff] is read from
the indices, recorded as one delivery (if it holds any matching report), and only
then is the watermark moved to the cutoff. A run that dies between the two finds
its delivery already recorded under the same id on the next run, and moves on
from that delivery's window end: nothing is sent twice, nothing is skipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch

from monitor import deliveries
from monitor.clock import es_date
from monitor.deliveries import Delivery
from monitor.events import (
    MAX_EVENT_REPORTS,
    Event,
    EventName,
    EventReport,
    SubscriptionRef,
    delivery_id,
    new_report,
    revised_report,
)
from monitor.indices import MonitorIndices
from monitor.retry import RetryPolicy
from monitor.scan import chunks
from monitor.subscriptions import Subscription, move_watermark
from monitor.summaries import SUMMARY_FIELDS, ReportSummary, summary_from_source
from monitor.versions import revisions_between
from search_api.query import build_query

ID_BATCH = 1000
WATERMARK_FIELDS: dict[EventName, str] = {"new": "new_watermark", "revised": "revision_watermark"}


def plan(
    client: Elasticsearch,
    indices: MonitorIndices,
    subscription: Subscription,
    event: EventName,
    *,
    cutoff: datetime,
    policy: RetryPolicy,
) -> Delivery | None:
    """Record the subscription's `event` delivery for (watermark, cutoff]; None when nothing matched."""
    start = _first_unrecorded_window(
        client, indices, subscription.id, event, getattr(subscription, WATERMARK_FIELDS[event])
    )
    if start >= cutoff:
        return None
    reports, total = (_new_reports if event == "new" else _revised_reports)(
        client, indices, subscription, start, cutoff
    )
    delivery = None
    if reports:
        delivery = _delivery(subscription, event, start, cutoff, reports, total, policy)
        deliveries.record(client, indices, delivery)
    move_watermark(client, indices, subscription.id, WATERMARK_FIELDS[event], cutoff)
    return delivery


def _first_unrecorded_window(
    client: Elasticsearch, indices: MonitorIndices, subscription_id: str, event: EventName, start: datetime
) -> datetime:
    # Windows recorded by a run that died before moving the watermark are followed, not redone.
    while recorded := deliveries.get(client, indices, delivery_id(subscription_id, event, start)):
        start = recorded.window_end
    return start


def _matching(subscription: Subscription, *clauses: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"filter": [build_query(subscription.filters), *clauses]}}


def _new_reports(
    client: Elasticsearch,
    indices: MonitorIndices,
    subscription: Subscription,
    start: datetime,
    cutoff: datetime,
) -> tuple[list[EventReport], int]:
    window = {"range": {"first_seen_at": {"gt": es_date(start), "lte": es_date(cutoff)}}}
    response = client.search(
        index=indices.reports,
        query=_matching(subscription, window),
        size=MAX_EVENT_REPORTS,
        sort=[{"first_seen_at": "desc"}, {"id": "asc"}],
        source_includes=SUMMARY_FIELDS,
        track_total_hits=True,
    )
    reports = [new_report(summary_from_source(hit["_source"])) for hit in response["hits"]["hits"]]
    total: int = response["hits"]["total"]["value"]
    return reports, total


def _revised_reports(
    client: Elasticsearch,
    indices: MonitorIndices,
    subscription: Subscription,
    start: datetime,
    cutoff: datetime,
) -> tuple[list[EventReport], int]:
    versions = revisions_between(client, indices, start, cutoff)
    if not versions:
        return [], 0
    summaries = _summaries(client, indices, subscription, sorted({v.report_id for v in versions}))
    reports = [
        revised_report(summaries[v.report_id], v.content_sha256, v.previous_sha256, v.changes)
        for v in reversed(versions)  # newest first, as in `new` events
        if v.report_id in summaries
    ]
    return reports[:MAX_EVENT_REPORTS], len(reports)


def _summaries(
    client: Elasticsearch, indices: MonitorIndices, subscription: Subscription, report_ids: list[str]
) -> dict[str, ReportSummary]:
    """The reports among `report_ids` that match the subscription's filters, by id."""
    summaries: dict[str, ReportSummary] = {}
    for chunk in chunks(report_ids, ID_BATCH):
        response = client.search(
            index=indices.reports,
            query=_matching(subscription, {"ids": {"values": chunk}}),
            size=len(chunk),
            source_includes=SUMMARY_FIELDS,
        )
        for hit in response["hits"]["hits"]:
            summary = summary_from_source(hit["_source"])
            summaries[summary.id] = summary
    return summaries


def _delivery(
    subscription: Subscription,
    event: EventName,
    start: datetime,
    cutoff: datetime,
    reports: list[EventReport],
    total: int,
    policy: RetryPolicy,
) -> Delivery:
    identity = delivery_id(subscription.id, event, start)
    body = Event(
        event=event,
        delivery_id=identity,
        subscription=SubscriptionRef(id=subscription.id, name=subscription.name),
        created_at=cutoff,
        since=start,
        until=cutoff,
        total=total,
        reports=reports,
    ).body()
    return Delivery(
        id=identity,
        subscription_id=subscription.id,
        event=event,
        window_start=start,
        window_end=cutoff,
        report_ids=[report.id for report in reports],
        body=body.decode("utf-8"),
        created_at=cutoff,
        next_attempt_at=cutoff,
        expires_at=policy.expires_at(cutoff),
    )
