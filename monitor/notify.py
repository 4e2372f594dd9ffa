"""After an index run: record new versions, turn what appeared into deliveries, and send what is due.

Everything here reads the indices, never the run's in-memory results, so calling it
again (after a crash, from another process, or twice in a row) sends nothing twice.
`govreports crawl` and `govreports index` may call `notify` after indexing too.

The watch loop hands the sending to a `BackgroundSender`, a thread of its own: a POST
may take up to its deadline, and no receiver may hold up crawling.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType

from elasticsearch import Elasticsearch

from govreports.errors import GovreportsError
from govreports.secrets import secret_box
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

log = logging.getLogger("govreports.notify")
# The sender's longest nap, so deliveries recorded by another process (`govreports index`) go out.
SENDER_MAX_NAP = timedelta(minutes=5)
# Its shortest: a delivery that stays due (claimed elsewhere, say) must not make it spin.
SENDER_MIN_NAP = timedelta(seconds=1)
# How long a stopping watch waits for the POST under way, beyond that POST's deadline.
SENDER_STOP_MARGIN_S = 5.0


@dataclass
class NotifyOutcome:
    revisions: int = 0
    # Ids of the deliveries this run recorded, then what the delivery pass did with every due one.
    recorded: list[str] = field(default_factory=list)
    sent: DeliveryPass = field(default_factory=DeliveryPass)
    # True when a `BackgroundSender` sends them instead (`sent` then stays empty).
    handed_over: bool = False

    def line(self) -> str:
        """The one line every command that indexes prints about notifications."""
        if self.handed_over:
            return f"notify: {len(self.recorded)} new deliveries; sending in the background"
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
    sender: BackgroundSender | None = None,
) -> NotifyOutcome:
    """Record every subscription's deliveries for what the index holds now, and send them (or wake
    `sender` to)."""
    indices = MonitorIndices(settings.index)
    policy = policy or RetryPolicy()
    with elasticsearch_errors(settings.es_url):
        ensure_indices(client, indices)
        outcome = plan_deliveries(client, indices, clock=clock, policy=policy)
    if sender is not None:
        sender.wake()
        outcome.handed_over = True
        return outcome
    outcome.sent = send_due(client, settings, clock=clock, policy=policy)
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
    stopped: Callable[[], bool] = lambda: False,
) -> DeliveryPass:
    """Try every pending delivery that is due (also run by the `BackgroundSender`, for retries)."""
    with elasticsearch_errors(settings.es_url):
        return deliveries.deliver_due(
            client,
            MonitorIndices(settings.index),
            deliveries.PostLimits.of(settings),
            clock=clock,
            policy=policy or RetryPolicy(),
            user_agent=settings.user_agent,
            allow_private=settings.allow_private_webhooks,
            secrets=secret_box(settings),
            stopped=stopped,
        )


class BackgroundSender:
    """Sends due deliveries on a thread of its own, for as long as the `with` block lasts.

    It sends whenever woken (a cycle recorded deliveries) and whenever a retry falls due.
    On leaving the block it finishes the POST under way (each ends by its deadline) and
    stops; a delivery it did not reach stays pending for the next start.
    """

    def __init__(
        self,
        client: Elasticsearch,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock
        self._policy = policy
        self._woken = threading.Event()
        self._stopping = threading.Event()
        # A daemon: a process that must exit (a second signal) does not wait for a receiver.
        self._thread = threading.Thread(target=self._run, name="govreports-deliveries", daemon=True)

    def __enter__(self) -> BackgroundSender:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._woken.set()
        if kind is None:  # a gentle stop; leaving on an error (a second signal) does not wait
            self._thread.join(timeout=self._settings.webhook_deadline + SENDER_STOP_MARGIN_S)

    def wake(self) -> None:
        """Send what is due now (new deliveries were recorded)."""
        self._woken.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._woken.clear()
            nap = self._send()
            if not self._stopping.is_set():
                self._woken.wait(nap.total_seconds())

    def _send(self) -> timedelta:
        """One pass over the due deliveries; how long to nap before the next."""
        try:
            send_due(
                self._client,
                self._settings,
                clock=self._clock,
                policy=self._policy,
                stopped=self._stopping.is_set,
            )
            with elasticsearch_errors(self._settings.es_url):
                due = deliveries.next_due_at(self._client, MonitorIndices(self._settings.index))
        except GovreportsError as error:  # Elasticsearch down, say: the next pass may find it back
            log.warning("could not send deliveries: %s", error)
            return SENDER_MAX_NAP
        except Exception:  # a bug in one pass must not silence every later delivery
            log.exception("delivery pass failed")
            return SENDER_MAX_NAP
        nap = SENDER_MAX_NAP if due is None else due - self._clock()
        return max(SENDER_MIN_NAP, min(nap, SENDER_MAX_NAP))
