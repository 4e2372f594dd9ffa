"""Every hit of a query, a page at a time, with `search_after` (no scroll context to leak)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from elasticsearch import Elasticsearch

PAGE_SIZE = 500
T = TypeVar("T")


def scan_hits(
    client: Elasticsearch,
    index: str,
    query: dict[str, Any],
    sort: list[dict[str, Any]],
    fields: list[str] | None = None,
    page_size: int = PAGE_SIZE,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Hits in `sort` order (only `fields` of each source, when given); `sort` must end on a
    unique field so no page repeats or skips a hit. `options` go to every search request."""
    after: list[Any] | None = None
    while True:
        extra: dict[str, Any] = dict(options)
        if after is not None:
            extra["search_after"] = after
        if fields is not None:
            extra["source_includes"] = fields
        response = client.search(
            index=index, query=query, sort=sort, size=page_size, track_total_hits=False, **extra
        )
        hits: list[dict[str, Any]] = response["hits"]["hits"]
        yield from hits
        if len(hits) < page_size:
            return
        after = hits[-1]["sort"]


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last may be shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
