"""Anonymous load: heavy requests capped, repeated keywords one clause, a request rate per client
keyed on the forwarded address only behind a trusted proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from elasticsearch import Elasticsearch
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from govreports.es_client import delete_prefixed
from govreports.model import Report
from govreports.settings import Settings
from search_api.app import create_app
from search_api.limits import MAX_CLIENTS, TokenBuckets
from search_api.query import build_text_query
from search_api.testing import index_corpus, synthetic_corpus

CORPUS: list[Report] = synthetic_corpus(seed=18, offices=3)
GOVREPORTS = str(Path(sys.executable).with_name("govreports"))
BUSY = "the server is busy"


@pytest.fixture(scope="module")
def indexed(es_client: Elasticsearch, es_session_settings: Settings) -> Iterator[Settings]:
    """Settings whose index holds CORPUS."""
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(es_client, alias, CORPUS)
    try:
        yield es_session_settings.model_copy(update={"index": alias})
    finally:
        delete_prefixed(es_client, alias)


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[None]:
    async with app.router.lifespan_context(app):
        yield


def client_of(app: Callable[[Scope, Receive, Send], Awaitable[None]], peer: str) -> httpx.AsyncClient:
    """A client whose requests reach `app` from the address `peer`."""
    transport = httpx.ASGITransport(app=app, client=(peer, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def assert_refused(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status
    assert set(response.json()) == {"error", "detail"} and error in response.json()["error"]
    assert int(response.headers["retry-after"]) >= 1


# --- repeated keywords ------------------------------------------------------------


@pytest.mark.timeout(10)
@pytest.mark.parametrize("q", ["公开 " * 166, '"公开" 公开 “公开”', "公开公开公开公开"])
def test_a_repeated_keyword_is_one_clause(q: str) -> None:
    started_at = time.process_time()

    query = build_text_query(q)

    assert query is not None and len(query["bool"]["must"]) == 1
    assert time.process_time() - started_at < 2


def test_distinct_keywords_keep_their_order() -> None:
    query = build_text_query("复议 公开 复议 诉讼")

    assert query is not None
    words = [clause["bool"]["should"][0]["multi_match"]["query"] for clause in query["bool"]["must"]]
    assert words == ["复议", "公开", "诉讼"]


# --- heavy requests ---------------------------------------------------------------


def paused_at_first_chunk(
    app: FastAPI, streaming: anyio.Event, go_on: anyio.Event
) -> Callable[..., Awaitable[None]]:
    """`app`, with its first body chunk held back until `go_on`: a slow download, in progress."""

    async def held(scope: Scope, receive: Receive, send: Send) -> None:
        async def slow_send(message: Message) -> None:
            if message["type"] == "http.response.body" and not streaming.is_set():
                streaming.set()
                await go_on.wait()
            await send(message)

        await app(scope, receive, slow_send)

    return held


@pytest.mark.es
@pytest.mark.timeout(60)
def test_exports_beyond_the_cap_are_503_until_one_ends(indexed: Settings) -> None:
    app = create_app(indexed.model_copy(update={"max_exports": 1}))

    async def scenario() -> None:
        streaming, go_on = anyio.Event(), anyio.Event()
        async with (
            started(app),
            client_of(paused_at_first_chunk(app, streaming, go_on), "192.0.2.1") as slow,
            client_of(app, "192.0.2.2") as other,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(slow.get, "/api/export.csv")
            await streaming.wait()
            assert_refused(await other.get("/api/export.csv"), 503, BUSY)
            assert (await other.get("/api/stats", params={"group_by": "office"})).status_code == 200
            go_on.set()
        async with started(app), client_of(app, "192.0.2.2") as other:
            response = await other.get("/api/export.csv")
        assert response.status_code == 200 and response.text.count("\n") == len(CORPUS) + 1

    anyio.run(scenario)
    assert app.state.heavy.exports.used == 0


@pytest.mark.es
@pytest.mark.timeout(60)
def test_an_export_dropped_by_its_client_gives_its_slot_back(indexed: Settings) -> None:
    app = create_app(indexed.model_copy(update={"max_exports": 1}))

    async def scenario() -> None:
        streaming, never = anyio.Event(), anyio.Event()
        async with (
            started(app),
            client_of(paused_at_first_chunk(app, streaming, never), "192.0.2.1") as slow,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(slow.get, "/api/export.csv")
            await streaming.wait()
            assert app.state.heavy.exports.used == 1
            tasks.cancel_scope.cancel()  # the client goes away mid-download

    anyio.run(scenario)
    assert app.state.heavy.exports.used == 0


@pytest.mark.es
def test_an_export_that_cannot_start_gives_its_slot_back(es_session_settings: Settings) -> None:
    app = create_app(
        es_session_settings.model_copy(update={"index": f"test-{uuid.uuid4().hex}", "max_exports": 1})
    )

    async def scenario() -> list[httpx.Response]:
        async with started(app), client_of(app, "192.0.2.1") as client:
            return [await client.get("/api/export.csv") for _ in range(3)]

    for response in anyio.run(scenario):
        assert response.status_code == 503 and BUSY not in response.json()["error"]
    assert app.state.heavy.exports.used == 0


@pytest.mark.es
def test_office_statistics_beyond_the_cap_are_503_other_groupings_are_not(indexed: Settings) -> None:
    app = create_app(indexed.model_copy(update={"max_office_stats": 1}))

    async def scenario() -> None:
        async with started(app), client_of(app, "192.0.2.1") as client:
            app.state.heavy.office_stats.take()  # a walk over every office, in progress
            assert_refused(await client.get("/api/stats", params={"group_by": "office"}), 503, BUSY)
            assert (await client.get("/api/stats", params={"group_by": "year"})).status_code == 200
            app.state.heavy.office_stats.give_back()
            assert (await client.get("/api/stats", params={"group_by": "office"})).status_code == 200

    anyio.run(scenario)
    assert app.state.heavy.office_stats.used == 0


# --- request rate -----------------------------------------------------------------


def test_rate_limit_settings_default_to_off() -> None:
    settings = Settings(_env_file=None)

    assert settings.rate_limit == 0 and settings.trusted_proxies == []
    assert Settings(trusted_proxies="10.0.0.2, 172.18.0.0/16").trusted_proxies[1].num_addresses == 2**16


@pytest.mark.es
def test_a_client_over_its_rate_gets_429_others_do_not(indexed: Settings) -> None:
    app = create_app(
        indexed.model_copy(update={"rate_limit": 1, "rate_limit_burst": 3})
    )  # 3, then 1 a minute

    async def scenario() -> None:
        async with started(app), client_of(app, "192.0.2.1") as busy, client_of(app, "192.0.2.2") as calm:
            assert [(await busy.get("/api/search")).status_code for _ in range(3)] == [200] * 3
            refused = await busy.get("/api/search")
            assert_refused(refused, 429, "too many requests")
            assert refused.headers["content-security-policy"]  # outer middleware still applies
            assert (await busy.get("/static/style.css")).status_code == 200  # page files are not counted
            assert (await calm.get("/api/search")).status_code == 200

    anyio.run(scenario)


def requests_allowed(app: FastAPI, peer: str, forwarded: list[str]) -> list[int]:
    """The statuses of one request per X-Forwarded-For value, all from `peer`."""

    async def scenario() -> list[int]:
        async with started(app), client_of(app, peer) as client:
            return [
                (await client.get("/openapi.json", headers={"x-forwarded-for": value})).status_code
                for value in forwarded
            ]

    return anyio.run(scenario)


def proxied_app(**settings: object) -> FastAPI:
    # One request at once, then one a minute: no token comes back during a test, however slow the machine.
    return create_app(Settings(rate_limit=1, rate_limit_burst=1, **settings))  # type: ignore[arg-type]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate() -> None:
    app = proxied_app(trusted_proxies="10.0.0.2")
    # A client's own X-Forwarded-For is kept on the left; the proxy appends the address it saw.
    forwarded = ["198.51.100.7", "198.51.100.8", "forged, 198.51.100.9", "198.51.100.7"]

    assert requests_allowed(app, "10.0.0.2", forwarded) == [200, 200, 200, 429]


def test_a_chain_of_trusted_proxies_is_read_from_the_right() -> None:
    app = proxied_app(trusted_proxies="10.0.0.0/24")

    assert requests_allowed(app, "10.0.0.2", ["198.51.100.7, 10.0.0.3", "198.51.100.8, 10.0.0.3"]) == [
        200,
        200,
    ]
    assert requests_allowed(app, "10.0.0.2", ["203.0.113.1, 198.51.100.7, 10.0.0.3"]) == [429]


@pytest.mark.parametrize("trusted", ["", "10.0.0.2"])
def test_an_untrusted_peer_cannot_choose_its_address(trusted: str) -> None:
    app = proxied_app(trusted_proxies=trusted)

    assert requests_allowed(app, "192.0.2.1", ["198.51.100.7", "198.51.100.8"]) == [200, 429]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("trusted", "statuses"), [("", [200, 429]), ("127.0.0.1", [200, 200])])
def test_serve_believes_x_forwarded_for_only_from_a_trusted_proxy(
    free_port: int, trusted: str, statuses: list[int]
) -> None:
    limited = {"GOVREPORTS_RATE_LIMIT": "1", "GOVREPORTS_RATE_LIMIT_BURST": "1"}
    env = {**os.environ, **limited, "GOVREPORTS_TRUSTED_PROXIES": trusted}
    command = [GOVREPORTS, "serve", "--port", str(free_port), "--access-log"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{free_port}"
    try:
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/static/style.css", timeout=5)  # page files are not counted
                break
            except httpx.TransportError:
                time.sleep(0.2)
        forwarded = ["198.51.100.7", "198.51.100.8"]
        got = [
            httpx.get(f"{url}/openapi.json", headers={"x-forwarded-for": value}).status_code
            for value in forwarded
        ]
    finally:
        server.terminate()
        logged, _ = server.communicate(timeout=30)

    assert got == statuses, logged
    assert ("198.51.100.8:0 - " in logged) == bool(trusted)  # the access log names the forwarded client


def test_ipv6_clients_count_by_their_64() -> None:
    app = proxied_app()

    assert requests_allowed(app, "2001:db8::1", [""]) == [200]
    assert requests_allowed(app, "2001:db8::2", [""]) == [429]
    assert requests_allowed(app, "2001:db8:0:1::1", [""]) == [200]


def test_tokens_come_back_at_the_configured_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=30, burst=2, clock=lambda: now[0])

    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == pytest.approx(2.0)  # one token every two seconds
    now[0] = 2.0
    assert buckets.take("a") == 0
    now[0] = 1000.0
    assert [buckets.take("a") for _ in range(3)][:2] == [0, 0]  # refilled to the burst, not beyond


@pytest.mark.timeout(30)
def test_a_flood_of_addresses_cannot_grow_the_table_without_end() -> None:
    buckets = TokenBuckets(per_minute=60, burst=1)
    started_at = time.process_time()

    for number in range(MAX_CLIENTS + 50_000):
        buckets.take(f"flood-{number}")

    assert len(buckets.buckets) == MAX_CLIENTS
    assert time.process_time() - started_at < 10
