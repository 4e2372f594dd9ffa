"""What snippets from the narrative cost a search: the same query mix and index as `bench/search.py`,
sent straight to Elasticsearch with the highlight of `/api/search` (the narrative's sections, and
`text` when they do not match) and with the former one (`text` only), taking turns.

    .venv/bin/python bench/snippets.py [--reports 100000] [--seconds 60] [--runs 2] [--no-write]

Fills a throwaway index `bench-snippets` as bench/search.py fills its own, deleted at the end.
Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from elasticsearch import AsyncElasticsearch

from govreports.es_client import build_async_client, build_client, delete_prefixed
from govreports.settings import Settings
from search_api.query import HIGHLIGHT, HIGHLIGHT_FIELD, SearchParams, build_search_bodies

sys.path.insert(0, str(Path(__file__).resolve().parent))
import search as search_bench  # bench/ is a folder of scripts, not a package
from _machine import stamp, write_section

INDEX = "bench-snippets"
# The highlight before snippets came from the narrative: `text` alone.
TEXT_ONLY: dict[str, Any] = {
    **{key: value for key, value in HIGHLIGHT.items() if key not in ("fields", "require_field_match")},
    "fields": {HIGHLIGHT_FIELD: HIGHLIGHT["fields"][HIGHLIGHT_FIELD]},
}


def sender(es: AsyncElasticsearch, highlight: dict[str, Any]) -> Callable[[dict[str, Any]], Awaitable[bool]]:
    searches: dict[str, list[dict[str, Any]]] = {}

    async def send(query: dict[str, Any]) -> bool:
        key = repr(sorted(query.items()))
        if key not in searches:
            hits, counts = build_search_bodies(SearchParams.model_validate(query))
            if "highlight" in hits:
                hits = {**hits, "highlight": highlight}
            header = {"index": INDEX, "request_cache": True}
            searches[key] = [header, hits, header, counts]
        response = await es.msearch(searches=searches[key])
        return all("error" not in answer for answer in response["responses"])

    return send


async def measure(settings: Settings, seconds: float) -> dict[str, search_bench.Result]:
    es = build_async_client(settings)
    mix = search_bench.query_mix(500, seed=3)
    try:
        senders = {"narrative, then text": sender(es, HIGHLIGHT), "text only (before)": sender(es, TEXT_ONLY)}
        return await search_bench.measure_interleaved(senders, mix, 8, seconds, {})
    finally:
        await es.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="load each way, per run")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    settings = Settings().model_copy(update={"index": INDEX})
    client = build_client(settings)
    runs: list[dict[str, search_bench.Result]] = []
    try:
        search_bench.fill_index(client, INDEX, args.reports, 2000)
        for _ in range(args.runs):
            runs.append(asyncio.run(measure(settings, args.seconds)))
    finally:
        delete_prefixed(client, INDEX)
    pooled = {name: search_bench.pooled([run[name] for run in runs]) for name in runs[0]}
    rows = "\n".join(search_bench.row(name, result) for name, result in pooled.items())
    new, old = pooled.values()
    p95 = new.percentile(0.95) - old.percentile(0.95)
    body = f"""## Snippets from the narrative (`bench/snippets.py`)

{stamp()}
The query mix and index of `bench/search.py` ({args.reports:,} documents), 8 clients sending the
`_msearch` of `/api/search` straight to Elasticsearch, {args.runs} × {args.seconds:.0f} s each way in
alternating slices: with the highlight of `/api/search` (the three narrative sections, and `text`
for the snippet when they do not match) and with the former one (`text` only).

| highlight | p50 ms | p95 ms | p99 ms | queries/s | queries | errors |
|---|---|---|---|---|---|---|
{rows}

Cost of snippets from the narrative: p95 {p95:+.1f} ms ({p95 / old.percentile(0.95):+.0%}),
p50 {new.percentile(0.5) - old.percentile(0.5):+.1f} ms.
"""
    print(body)
    if not args.no_write:
        write_section("snippets", body)


if __name__ == "__main__":
    main()
