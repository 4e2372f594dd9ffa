"""After an index run: record new versions, turn what appeared into deliveries, and send what is due.

Everything here reads the indices, never the run's in-memory results, so calling it
again (after a crash, from another process, or twice in a row) sends nothing twice.
`govreports crawl` and `govreports index` may call `notify` after indexing too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from elasticsearch import Elasticsearch

from govreports.settings import Settings
from monitor import deliveries, subscriptions
from monitor.clock import Clock, utc_now
from monitor.deliveries import DeliveryPass
from monitor.errors import elasticsearch_errors
from monitor.events import EventName
from monitor.indices import MonitorIndices, ensure_indices
from monitor.planning import plan
from monitor.retry import RetryPolicy
from monitor.versions import record_versions


@dataclass
class NotifyOutcome:
    revisions: int = 0
    # Ids of the deliveries this run recorded, then what the delivery pass did with every due one.
    recorded: list[str] = field(default_factory=list)
    sent: DeliveryPass = field(default_factory=DeliveryPass)

    def line(self) -> str:
        """The one line every command that indexes prints about notifications."""
        return (
            f"notify: {len(self.recorded)} new deliveries; {len(self.sent.delivered)} delivered, "
            f"{len(self.sent.failed)} to retry, {len(self.sent.expired)} expired"
        )


def notify(
    client: Elasticsearch,
    settings: Settings,
    *,
    clock: Clock = utc_now,
    policy: RetryPolicy | None = None,
    http: httpx.Client | None = None,
) -> NotifyOutcome:
    """Record and send every subscription's deliveries for what the index holds now."""
    indices = MonitorIndices(settings.index)
    policy = policy or RetryPolicy()
    with elasticsearch_errors(settings.es_url):
        ensure_indices(client, indices)
        outcome = plan_deliveries(client, indices, clock=clock, policy=policy)
    outcome.sent = send_due(client, settings, clock=clock, policy=policy, http=http)
    return outcome


def plan_deliveries(
    client: Elasticsearch, indices: MonitorIndices, *, clock: Clock, policy: RetryPolicy
) -> NotifyOutcome:
    """Record versions, then each subscription's deliveries for everything up to now."""
    if not client.indices.exists(index=indices.reports):
        return NotifyOutcome()  # nothing indexed yet (a first crawl that failed): nothing to announce
    # Searches see only refreshed documents: make the run that just indexed (and the watermarks
    # the previous pass moved) visible. Reads by id are real-time and need no refresh.
    client.indices.refresh(index=[indices.reports, indices.subscriptions])
    now = clock()
    outcome = NotifyOutcome(revisions=record_versions(client, indices, now))
    for subscription in subscriptions.load_all(client, indices):
        events: list[EventName] = ["new", "revised"] if subscription.notify_revisions else ["new"]
        for event in events:
            delivery = plan(client, indices, subscription, event, cutoff=now, policy=policy)
            if delivery is not None:
                outcome.recorded.append(delivery.id)
    return outcome


def send_due(
    client: Elasticsearch,
    settings: Settings,
    *,
    clock: Clock = utc_now,
    policy: RetryPolicy | None = None,
    http: httpx.Client | None = None,
) -> DeliveryPass:
    """Try every pending delivery that is due (also run between cycles, for retries)."""
    indices = MonitorIndices(settings.index)
    owned = http is None
    http = http or deliveries.webhook_client()
    try:
        with elasticsearch_errors(settings.es_url):
            return deliveries.deliver_due(
                client,
                indices,
                http,
                now=clock(),
                policy=policy or RetryPolicy(),
                user_agent=settings.user_agent,
                allow_private=settings.allow_private_webhooks,
            )
    finally:
        if owned:
            http.close()
