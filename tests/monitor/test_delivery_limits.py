"""Hostile webhook receivers, on 127.0.0.1 against the real Elasticsearch: one that answers a byte at a
time is cut off at the POST's deadline, a huge answer is not downloaded past the cap, and a receiver
that never answers does not delay the watch loop's crawls."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from crawler.sites import Site
from crawler.summary import CrawlSummary
from govreports.settings import Settings
from monitor import deliveries, subscriptions
from monitor.clock import utc_now
from monitor.deliveries import Delivery
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import send_due
from monitor.subscriptions import Subscription
from monitor.watch import StopSignal, watch

pytestmark = pytest.mark.es
DEADLINE = 2.0
CAP = 64 * 1024
HUGE = 400_000_000


class RawReceiver:
    """A TCP server on 127.0.0.1 whose connections `answer` serves (each on its own thread)."""

    def __init__(self, answer: Callable[[RawReceiver, socket.socket], None]) -> None:
        self.stopped = threading.Event()
        self.sent = 0  # bytes the receiver managed to send (the answer adds to it)
        self.connections = 0
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)  # the request's head (its body may follow: it is never read)
            try:
                self._answer(self, connection)
            except OSError:
                return  # the client hung up: what this test wants

    def close(self) -> None:
        self.stopped.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()


def trickle(receiver: RawReceiver, connection: socket.socket) -> None:
    """A status line, then endless header bytes, one a second: each read gets something, none ends."""
    for byte in b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000:
        connection.sendall(bytes([byte]))
        receiver.sent += 1
        if receiver.stopped.wait(1.0):
            return


def flood(receiver: RawReceiver, connection: socket.socket) -> None:
    """A 500 whose body says it is 400 MB long, sent as fast as the client takes it."""
    # A small send buffer, so what was sent is close to what the client read.
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    connection.sendall(f"HTTP/1.1 500 Oops\r\nContent-Length: {HUGE}\r\n\r\n".encode())
    chunk = b"x" * 65536
    while receiver.sent < HUGE and not receiver.stopped.is_set():
        connection.sendall(chunk)
        receiver.sent += len(chunk)


def silent(receiver: RawReceiver, connection: socket.socket) -> None:
    """Takes the request, never answers, keeps the connection open."""
    receiver.stopped.wait(60)


@pytest.fixture
def settings(es_client: Elasticsearch, es_settings: Settings) -> Settings:
    ensure_indices(es_client, MonitorIndices(es_settings.index))
    return es_settings.model_copy(
        update={
            "allow_private_webhooks": True,
            "webhook_deadline": DEADLINE,
            "webhook_max_response_bytes": CAP,
        }
    )


def owe(client: Elasticsearch, settings: Settings, url: str) -> str:
    """A subscription to `url` and one delivery to it, due now; the delivery's id."""
    indices = MonitorIndices(settings.index)
    now = utc_now()
    subscription = Subscription(
        id=uuid.uuid4().hex,
        name="slow",
        webhook_url=url,
        created_at=now,
        new_watermark=now,
        revision_watermark=now,
    )
    subscriptions.save(client, indices, subscription)
    delivery = Delivery(
        id=uuid.uuid4().hex,
        subscription_id=subscription.id,
        event="new",
        window_start=now,
        window_end=now,
        report_ids=[],
        body='{"event":"new"}',
        created_at=now,
        next_attempt_at=now,
        expires_at=now + timedelta(hours=1),
    )
    deliveries.record(client, indices, delivery)
    return delivery.id


@pytest.fixture
def trickling() -> Iterator[RawReceiver]:
    receiver = RawReceiver(trickle)
    yield receiver
    receiver.close()


@pytest.fixture
def flooding() -> Iterator[RawReceiver]:
    receiver = RawReceiver(flood)
    yield receiver
    receiver.close()


@pytest.fixture
def hanging() -> Iterator[RawReceiver]:
    receiver = RawReceiver(silent)
    yield receiver
    receiver.close()


@pytest.mark.timeout(40)
def test_a_receiver_answering_a_byte_a_second_is_cut_off_at_the_deadline(
    es_client: Elasticsearch, settings: Settings, trickling: RawReceiver
) -> None:
    delivery_id = owe(es_client, settings, trickling.url)
    started = time.monotonic()
    outcome = send_due(es_client, settings)
    elapsed = time.monotonic() - started
    assert outcome.failed == [delivery_id]
    # The deadline, plus the Elasticsearch reads and writes around the POST (generous: shared machine).
    assert DEADLINE <= elapsed < DEADLINE + 8
    stored = deliveries.get(es_client, MonitorIndices(settings.index), delivery_id)
    assert stored is not None and "Timeout" in (stored.last_error or "")
    assert trickling.sent < 20  # a byte a second: the POST ended after a few of them


@pytest.mark.timeout(60)
def test_a_huge_answer_is_not_read_past_the_cap(
    es_client: Elasticsearch, settings: Settings, flooding: RawReceiver
) -> None:
    delivery_id = owe(es_client, settings, flooding.url)
    outcome = send_due(es_client, settings)
    assert outcome.failed == [delivery_id]
    flooding.stopped.wait(0.5)  # what the kernel buffers after the client hung up is all it will take
    # The cap, one read past it and the sockets' buffers: megabytes at most, never the 400 MB.
    assert flooding.sent < 4 * 1024 * 1024
    stored = deliveries.get(es_client, MonitorIndices(settings.index), delivery_id)
    assert stored is not None and stored.last_status == 500
    # The start of the answer, for whoever debugs the receiver: a few hundred characters at most.
    assert (stored.last_error or "").startswith("HTTP 500: xxx")
    assert len(stored.last_error or "") < 300


@pytest.mark.timeout(90)
def test_a_receiver_that_never_answers_does_not_delay_the_crawl_loop(
    es_client: Elasticsearch, settings: Settings, hanging: RawReceiver
) -> None:
    patient = settings.model_copy(update={"webhook_deadline": 30.0})
    delivery_id = owe(es_client, patient, hanging.url)
    stop = StopSignal()
    crawls: list[float] = []
    under_way: list[tuple[int, int]] = []  # at the last crawl: (POSTs begun, attempts settled)

    def crawl(settings: Settings, site: Site, client: Elasticsearch) -> CrawlSummary:
        crawls.append(time.monotonic())
        if len(crawls) == 4:
            stored = deliveries.get(client, MonitorIndices(settings.index), delivery_id)
            under_way.append((hanging.connections, stored.attempts if stored else -1))
            stop.request()
        return CrawlSummary()

    started = time.monotonic()
    loop = threading.Thread(
        target=watch,
        kwargs={
            "client": es_client,
            "settings": patient,
            "sites": [Site(name="a", start_urls=["http://127.0.0.1:9/a/"])],
            "every": timedelta(milliseconds=100),
            "once": False,
            "crawl": crawl,
            "stop": stop,
        },
        daemon=True,
    )
    loop.start()
    while len(crawls) < 4 and time.monotonic() - started < 60:
        time.sleep(0.05)
    hanging.close()  # the receiver hangs up: the POST under way ends, and so does the loop
    loop.join(timeout=30)
    assert not loop.is_alive()
    # Four cycles ran while the one POST was still waiting for an answer (its deadline is 30 s):
    # begun, never settled. Sent from the crawl loop, it would have held up the second cycle.
    assert under_way == [(1, 0)], crawls
