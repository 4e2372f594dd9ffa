"""Helpers for driving the API in tests and benchmarks: a known corpus, the app in-process or on a port.

Nothing here fakes Elasticsearch: the corpus is written to a real index through
the indexer's writer, and the app talks to that index with its own client.
"""

from __future__ import annotations

import functools
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio.from_thread
import httpx
import uvicorn
from elasticsearch import Elasticsearch
from fastapi import FastAPI

from govreports.es_client import delete_prefixed
from govreports.model import Report
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.synthetic import random_report
from indexer.synthetic.numbers import RULES
from indexer.writer import index_reports
from search_api.app import create_app

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)


def synthetic_corpus(seed: int, offices: int) -> list[Report]:
    """Reports of `offices` offices, each for two to four years, with known numbers.

    About a quarter break a consistency rule, some have blank cells (null totals),
    a few carry only narrative (no tables, so `consistent` is null).
    """
    rng = random.Random(seed)
    reports: dict[str, Report] = {}
    for _ in range(offices):
        identity = random_report(rng).truth
        for year in sorted(rng.sample(YEARS, rng.randint(2, 4))):
            truth = random_report(
                rng,
                template="2019" if year < 2021 else "2021",
                year=year,
                office=identity.office,
                region=identity.region,
                level=identity.level,
                break_rule=rng.choice(RULES) if rng.random() < 0.25 else None,
                blank_cells=rng.choice((0, 0, 0, 1, 3)),
                narrative_only=rng.random() < 0.05,
            ).truth
            source = f"https://www.example.gov.cn/zwgk/{truth.id[:12]}.html"
            reports[truth.id] = truth.model_copy(update={"source_url": source, "source_site": "example"})
    return list(reports.values())


def index_corpus(client: Elasticsearch, alias: str, reports: list[Report]) -> None:
    """Create `alias` with the project's mapping and write `reports` through the indexer's writer."""
    ensure_index(client, alias)
    summary = index_reports(client, alias, reports)
    if summary.failed:
        raise RuntimeError(f"corpus not indexed: {summary.line()}")
    client.indices.refresh(index=alias)


class InProcessClient:
    """The app's lifespan and requests run on an event loop in a background thread (like TestClient)."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, client: httpx.AsyncClient) -> None:
        self.portal = portal
        self.client = client

    def get(self, path: str, params: Any = None) -> httpx.Response:
        return self.portal.call(functools.partial(self.client.get, path, params=params))


@contextmanager
def in_process(app: FastAPI) -> Iterator[InProcessClient]:
    with anyio.from_thread.start_blocking_portal() as portal:
        lifespan = portal.wrap_async_context_manager(app.router.lifespan_context(app))
        with lifespan:
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            try:
                yield InProcessClient(portal, client)
            finally:
                portal.call(client.aclose)


@contextmanager
def api_over_corpus(
    client: Elasticsearch, settings: Settings, reports: list[Report]
) -> Iterator[InProcessClient]:
    """The app in process over a fresh index holding `reports`, deleted afterwards."""
    alias = f"test-{uuid.uuid4().hex}"
    index_corpus(client, alias, reports)
    try:
        with in_process(create_app(settings.model_copy(update={"index": alias}))) as api:
            yield api
    finally:
        delete_prefixed(client, alias)


@contextmanager
def served(app: FastAPI, port: int, *, log_level: str = "warning") -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1:`port` in a thread; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
