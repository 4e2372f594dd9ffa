"""Search latency through the API and straight to Elasticsearch, under concurrent load.

    .venv/bin/python bench/search.py [--reports 100000] [--seconds 60] [--clients 8] [--pool 2000] [--runs 1]

Fills the index `bench-search` (or --index) with --reports documents, unless it
already holds that many; then --clients concurrent clients run the same realistic
query mix (keywords, phrases, facet selections, ranges, sorts, pages) for --seconds
against `/api/search` of a `govreports serve` process, and for --seconds send
the very request bodies the API builds straight to Elasticsearch, the two taking
turns every few seconds; --runs repeats that, each run reported and all pooled.
Reports p50, p95, p99 and queries per second of both into docs/benchmarks.md
(bench:search section).

The documents are real index documents (`to_document` of synthetic reports), but
segmenting 100,000 texts with jieba takes most of an hour on this machine, so
--pool distinct reports are generated and each is written several times under new
ids and with its identity (office, region, year, dates) drawn afresh. Term
statistics are then those of a corpus with repeated texts; the posting lists,
facet cardinalities and document count are those of --reports reports.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import yarl
from _machine import machine, write_section
from elasticsearch import AsyncElasticsearch, Elasticsearch, helpers

from govreports.es_client import build_async_client, build_client
from govreports.settings import Settings
from indexer.documents_es import to_document
from indexer.lifecycle import ensure_index
from indexer.synthetic import TOPICS, random_report
from indexer.synthetic.vocabulary import PLACES
from search_api.query import SearchParams, build_search_bodies

SECTION = "search"
WARMUP_S = 5.0
SLICE_S = 5.0
TARGET_P95_MS = 50.0
TARGET_RATIO = 1.3

# A request: the query parameters, as the page or a script would send them.
Query = dict[str, Any]


# --- corpus -----------------------------------------------------------------------


def pool_documents(size: int, seed: int) -> list[dict[str, Any]]:
    """`size` distinct synthetic reports as index documents (segmented once, reused many times)."""
    rng = random.Random(seed)
    return [to_document(random_report(rng).truth) for _ in range(size)]


def varied(document: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """A copy of `document` under a new id, for another year (of its template) and place."""
    year = rng.randint(2019, 2020) if document["template"] == "2019" else rng.randint(2021, 2024)
    province, city, county = rng.choice(PLACES)
    published = date(year + 1, 1, 5) + timedelta(days=rng.randint(0, 60))
    return {
        **document,
        "id": f"bench-{number:08d}",
        "year": year,
        "region": {"province": province, "city": city, "county": county},
        "published_date": published.isoformat(),
        "first_seen_at": f"{published.isoformat()}T08:00:00+00:00",
    }


def bulk_actions(pool: list[dict[str, Any]], count: int, index: str, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for number in range(count):
        document = varied(pool[number % len(pool)], number, rng)
        yield {"_index": index, "_id": document["id"], "_source": document}


def fill_index(client: Elasticsearch, alias: str, count: int, pool_size: int) -> float:
    """Create `alias` and write `count` documents unless it holds them already; seconds spent."""
    ensure_index(client, alias)
    if client.count(index=alias)["count"] == count:
        return 0.0
    started = time.monotonic()
    print(f"segmenting {pool_size} distinct reports …", file=sys.stderr)
    pool = pool_documents(pool_size, seed=1)
    print(f"writing {count} documents to {alias} …", file=sys.stderr)
    client.options(request_timeout=120).indices.put_settings(index=alias, settings={"refresh_interval": "-1"})
    helpers.bulk(
        client.options(request_timeout=120), bulk_actions(pool, count, alias, seed=2), chunk_size=500
    )
    client.indices.put_settings(index=alias, settings={"refresh_interval": None})
    client.options(request_timeout=600).indices.refresh(index=alias)
    client.options(request_timeout=600).indices.forcemerge(index=alias, max_num_segments=1)
    return time.monotonic() - started


# --- query mix ----------------------------------------------------------------------

KEYWORDS: tuple[str, ...] = (*TOPICS, "政府信息公开", "年度报告", "行政诉讼", "公开", "街道办事处")
SORTS: tuple[str, ...] = ("-applications_received", "-grant_rate", "year", "newest", "-lawsuits")


def random_query(rng: random.Random) -> Query:
    """One request of the mix: what people do on the page, in rough proportion."""
    query: Query = {}
    if rng.random() < 0.7:
        words = rng.sample(KEYWORDS, rng.choice((1, 1, 1, 2)))
        query["q"] = f'"{words[0]}"' if rng.random() < 0.1 else " ".join(words)
    if rng.random() < 0.4:
        query["year"] = rng.sample(range(2019, 2025), rng.choice((1, 1, 2)))
    if rng.random() < 0.3:
        query["province"] = [rng.choice(PLACES)[0]]
    if rng.random() < 0.1:
        query["level"] = ["township"]
    if rng.random() < 0.15:
        query["consistent"] = rng.random() < 0.5
    if rng.random() < 0.2:
        query["min_applications_received"] = rng.choice((1, 10, 50))
    if rng.random() < 0.1:
        query["max_grant_rate"] = 0.5
    if rng.random() < 0.1:
        query["year_from"] = 2021
    if rng.random() < 0.25:
        query["sort"] = rng.choice(SORTS)
    if rng.random() < 0.15:
        query["page"] = rng.randint(2, 5)
    return query


def query_mix(count: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    return [random_query(rng) for _ in range(count)]


# --- load ---------------------------------------------------------------------------------


@dataclass
class Result:
    latencies_ms: list[float]
    seconds: float
    errors: int
    cpu_s: float = 0.0  # of the process serving the requests, where known

    @property
    def cpu_ms_per_query(self) -> float:
        return self.cpu_s / max(len(self.latencies_ms), 1) * 1000

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds


async def run_load(
    send: Callable[[Query], Awaitable[bool]], mix: list[Query], clients: int, seconds: float
) -> Result:
    """`clients` loops, each sending the mix's queries in turn (from its own offset) until time is up."""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        position = offset
        while time.monotonic() < deadline:
            query = mix[position % len(mix)]
            position += 1
            started = time.perf_counter()
            ok = await send(query)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok

    started = time.monotonic()
    await asyncio.gather(*(client(number * 97) for number in range(clients)))
    return Result(latencies, time.monotonic() - started, errors)


async def measure_interleaved(
    senders: dict[str, Callable[[Query], Awaitable[bool]]],
    mix: list[Query],
    clients: int,
    seconds: float,
    cpu_seconds: dict[str, Callable[[], float]],
) -> dict[str, Result]:
    """Each sender under the same load for `seconds`, in alternating slices of SLICE_S.

    The machine's speed drifts from minute to minute; one path measured after the other
    would compare two different machines, while alternating slices give both the same one.
    `cpu_seconds` reads, for a sender, the CPU time so far of the process that serves it.
    """
    for send in senders.values():
        await run_load(send, mix, clients, min(WARMUP_S, seconds))
    results = {name: Result([], 0.0, 0) for name in senders}
    slices = max(1, round(seconds / SLICE_S))
    for _ in range(slices):
        for name, send in senders.items():
            cpu = cpu_seconds.get(name, lambda: 0.0)
            cpu_before = cpu()
            part = await run_load(send, mix, clients, seconds / slices)
            whole = results[name]
            whole.cpu_s += cpu() - cpu_before
            whole.latencies_ms += part.latencies_ms
            whole.seconds += part.seconds
            whole.errors += part.errors
    return results


def query_string(query: Query) -> list[tuple[str, str]]:
    """The query as URL parameters: a list repeats its name, booleans are written as the API reads them."""
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, str(one).lower() if isinstance(one, bool) else str(one)))
    return pairs


def api_sender(http: aiohttp.ClientSession, base_url: str) -> Callable[[Query], Awaitable[bool]]:
    urls: dict[str, yarl.URL] = {}

    async def send(query: Query) -> bool:
        # The request's URL, built once (as the direct path builds its bodies once): the load
        # generator shares the machine, and only the API's share is to be timed.
        key = repr(sorted(query.items()))
        if key not in urls:
            urls[key] = yarl.URL(f"{base_url}/api/search").with_query(query_string(query))
        async with http.get(urls[key]) as response:
            await response.read()
            return response.status == 200

    return send


def direct_sender(es: AsyncElasticsearch, index: str) -> Callable[[Query], Awaitable[bool]]:
    searches: dict[str, list[dict[str, Any]]] = {}

    async def send(query: Query) -> bool:
        # The _msearch the API sends for this query, built once: only Elasticsearch's share is timed.
        key = repr(sorted(query.items()))
        if key not in searches:
            hits, counts = build_search_bodies(SearchParams.model_validate(query))
            header = {"index": index, "request_cache": True}
            searches[key] = [header, hits, header, counts]
        response = await es.msearch(searches=searches[key])
        return all("error" not in answer for answer in response["responses"])

    return send


# --- the API process -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_api(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GOVREPORTS_INDEX": settings.index, "GOVREPORTS_ES_URL": settings.es_url}
    command = [str(Path(sys.executable).with_name("govreports")), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"the API did not start on port {port}")


# --- report ---------------------------------------------------------------------------------


def row(name: str, result: Result) -> str:
    return (
        f"| {name} | {result.percentile(0.5):.1f} | {result.percentile(0.95):.1f} | "
        f"{result.percentile(0.99):.1f} | {result.per_second:.0f} | {len(result.latencies_ms)} | "
        f"{result.errors} |"
    )


def meets_target(api: Result, direct: Result) -> bool:
    api_p95 = api.percentile(0.95)
    return api_p95 <= TARGET_P95_MS and api_p95 / direct.percentile(0.95) <= TARGET_RATIO


def ratio_line(api: Result, direct: Result) -> str:
    ratio = api.percentile(0.95) / direct.percentile(0.95)
    verdict = "met" if meets_target(api, direct) else "not met"
    return f"{api.percentile(0.95):.1f} ms = {ratio:.2f}× ({verdict})"


def pooled(results: list[Result]) -> Result:
    """The runs' latencies, time, errors and CPU together."""
    return Result(
        [latency for result in results for latency in result.latencies_ms],
        sum(result.seconds for result in results),
        sum(result.errors for result in results),
        sum(result.cpu_s for result in results),
    )


def section(
    args: argparse.Namespace,
    es_version: str,
    fill_s: float,
    api: Result,
    direct: Result,
    runs: list[tuple[Result, Result]],
) -> str:
    api_p95, direct_p95 = api.percentile(0.95), direct.percentile(0.95)
    ratio = api_p95 / direct_p95
    verdict = "met" if meets_target(api, direct) else "NOT met"
    met_runs = sum(meets_target(*run) for run in runs)
    each_run = "; ".join(ratio_line(*run) for run in runs)
    filled = f"filled in {fill_s / 60:.0f} min" if fill_s else "already filled"
    waiting_ms = args.clients / direct.per_second * 1000
    return f"""
## Search (`bench/search.py`)

Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; Elasticsearch {es_version} on the same machine
(single node, 1 shard, shared with other work); load average {os.getloadavg()[0]:.1f} at the end.
Index: {args.reports:,} report documents ({args.pool:,} distinct segmented texts, each under several
identities; {filled}). Load: {args.clients} concurrent clients for {args.seconds:.0f} s each way, after a
{WARMUP_S:.0f} s warm-up each, the two ways taking turns every {SLICE_S:.0f} s (so that both meet the same
machine), {args.runs} run(s) pooled below, cycling through {args.mix} queries: 70% keywords (10% of
them quoted phrases), facet selections (year, province, level, consistency), ranges, sorts and
pages 2–5. "API" is `GET /api/search` of a `govreports serve` process (one uvicorn worker) over
loopback; "direct" sends the same `_msearch` (hits body + facets body, both through the shard
request cache) to Elasticsearch with the async client.

| path | p50 ms | p95 ms | p99 ms | queries/s | queries | errors |
|---|---|---|---|---|---|---|
{row("API", api)}
{row("Elasticsearch direct", direct)}

Target API p95 ≤ {TARGET_P95_MS:.0f} ms and ≤ {TARGET_RATIO}× the direct p95: **{verdict}**
(API p95 {api_p95:.1f} ms = {ratio:.2f}× direct, all runs pooled). Each run's API p95 and ratio
(the machine's speed drifts from minute to minute): {each_run}; {met_runs} of {len(runs)} met.

Reading: Elasticsearch alone serves {direct.per_second:.0f} queries/s here, so {args.clients} clients in
flight wait {waiting_ms:.0f} ms per query on average (Little's law) before the API adds anything. Both
paths queue for the same two cores, and a query costs Elasticsearch the same either way; the API path
adds the API process's CPU, {api.cpu_ms_per_query:.2f} ms a request in this run, and one more hop.
What keeps a query cheap: keywords match jieba words of the segmented title and text, and
characters only in the office name (character phrases over every text, the `.std` recall fallback,
cost 300–500 ms a query at 100,000 reports when tried on 2026-11-22); the facet counts and the total
come from a body without hits that the shard request cache keeps, so the hits body need not count.
"""


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU time so far of process `pid` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_both(
    settings: Settings, args: argparse.Namespace, port: int, api_pid: int
) -> tuple[Result, Result]:
    mix = query_mix(args.mix, seed=3)
    # aiohttp on both paths (the Elasticsearch client's transport too): the load generator shares
    # the machine, and httpx took twice its CPU per request.
    connector = aiohttp.TCPConnector(limit=args.clients)
    timeout = aiohttp.ClientTimeout(total=30)
    es = build_async_client(settings)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            senders = {
                "api": api_sender(http, f"http://127.0.0.1:{port}"),
                "direct": direct_sender(es, settings.index),
            }
            api_cpu = {"api": lambda: process_cpu_seconds(api_pid)}
            results = await measure_interleaved(senders, mix, args.clients, args.seconds, api_cpu)
    finally:
        await es.close()
    return results["api"], results["direct"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=100_000, help="documents in the index")
    parser.add_argument("--pool", type=int, default=2_000, help="distinct reports segmented")
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration, each way")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--mix", type=int, default=500, help="distinct queries in the mix")
    parser.add_argument("--index", default="bench-search", help="the alias to fill and search")
    parser.add_argument("--runs", type=int, default=1, help="measurements, each after its own warm-up")
    parser.add_argument("--no-write", action="store_true", help="print the results, leave docs/ alone")
    args = parser.parse_args()

    settings = Settings().model_copy(update={"index": args.index})
    client = build_client(settings)
    fill_s = fill_index(client, args.index, args.reports, min(args.pool, args.reports))
    es_version = client.nodes.info(node_id="_local")["nodes"].popitem()[1]["version"]
    client.close()

    port = free_port()
    api_process = start_api(settings, port)
    runs: list[tuple[Result, Result]] = []
    try:
        for _ in range(args.runs):
            runs.append(asyncio.run(run_both(settings, args, port, api_process.pid)))
            print(ratio_line(*runs[-1]), flush=True)
    finally:
        api_process.terminate()
        api_process.wait(timeout=30)
    api, direct = pooled([run[0] for run in runs]), pooled([run[1] for run in runs])
    body = section(args, es_version, fill_s, api, direct, runs)
    print(body)
    overhead = statistics.median(api.latencies_ms) - statistics.median(direct.latencies_ms)
    print(f"median API overhead per query: {overhead:.1f} ms")
    if not args.no_write:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()
