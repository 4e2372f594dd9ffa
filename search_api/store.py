"""The report index as the API sees it: a few async calls, the client's exceptions made domain errors.

A cluster that does not answer is, to the API's anonymous users, only "the search backend is
unavailable": its address and why it failed go to the log, for the operator.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError, TransportError

from govreports.errors import ElasticsearchUnavailable, GovreportsError
from govreports.redaction import PUBLIC_UNAVAILABLE, without_credentials
from search_api.errors import ReportNotFound, SearchRejected

EXPORT_BATCH = 1000
EXPORT_KEEP_ALIVE = "2m"
log = logging.getLogger("govreports.api")


class ReportStore:
    def __init__(self, client: AsyncElasticsearch, index: str, es_url: str) -> None:
        self.client = client
        self.index = index
        # For the log only, and without credentials.
        self.es_address = without_credentials(es_url)

    @contextmanager
    def translated_errors(self) -> Iterator[None]:
        """The client's exceptions, within the block, as the API's domain errors."""
        try:
            yield
        except TransportError as error:
            raise self._unavailable(f"does not answer ({error})") from error
        except ApiError as error:
            raise self._refusal(error.meta.status, error.body, str(error)) from error

    def _unavailable(self, reason: str) -> ElasticsearchUnavailable:
        log.warning("Elasticsearch at %s %s", self.es_address, reason)
        return ElasticsearchUnavailable(PUBLIC_UNAVAILABLE)

    def _refusal(self, status: int, body: Any, fallback: str) -> GovreportsError:
        """The domain error for an error answer of Elasticsearch."""
        if status >= 500:
            return self._unavailable(f"is unavailable: HTTP {status}")
        if _error_type(body) == "index_not_found_exception":
            return ElasticsearchUnavailable(
                f"the index {self.index!r} does not exist yet: index some reports first"
            )
        return SearchRejected(_reason(body, fallback))

    async def search(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.translated_errors():
            response = await self.client.search(index=self.index, body=body)
        return dict(response.body)

    async def search_many(self, bodies: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """Several searches in one round trip (`_msearch`), through the shard request cache.

        Returns the overall took (ms) and each search's response, in order.
        """
        searches: list[dict[str, Any]] = []
        for body in bodies:
            # Cached until the index next refreshes; a page of hits too (Elasticsearch caches only
            # size-0 searches unless asked).
            searches += [{"index": self.index, "request_cache": True}, body]
        with self.translated_errors():
            response = await self.client.msearch(searches=searches)
        answers: list[dict[str, Any]] = response["responses"]
        for answer in answers:
            if "error" in answer:
                self._raise_item_error(answer)
        return int(response["took"]), answers

    def _raise_item_error(self, answer: dict[str, Any]) -> NoReturn:
        """An `_msearch` item's error, as the domain error the same error of a plain search would give."""
        raise self._refusal(int(answer.get("status", 500)), answer, "a search of the batch failed")

    async def get_source(self, report_id: str) -> dict[str, Any]:
        with self.translated_errors():
            try:
                response = await self.client.get(index=self.index, id=report_id)
            except NotFoundError as error:
                if _error_type(error.body) == "index_not_found_exception":
                    raise
                raise ReportNotFound(f"no report has the id {report_id!r}") from error
        source: dict[str, Any] = response["_source"]
        return source

    async def open_export(self) -> str:
        """A point in time over the index, so an export reads one consistent snapshot."""
        with self.translated_errors():
            response = await self.client.open_point_in_time(index=self.index, keep_alive=EXPORT_KEEP_ALIVE)
        pit_id: str = response["id"]
        return pit_id

    async def export_batches(
        self, pit_id: str, query: dict[str, Any], sort: list[Any], source: list[str]
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every matching document's source, a batch at a time; closes the point in time at the end."""
        after: list[Any] | None = None
        try:
            while True:
                body: dict[str, Any] = {
                    "query": query,
                    "sort": sort,
                    "size": EXPORT_BATCH,
                    "_source": source,
                    "pit": {"id": pit_id, "keep_alive": EXPORT_KEEP_ALIVE},
                    "track_total_hits": False,
                }
                if after is not None:
                    body["search_after"] = after
                with self.translated_errors():
                    response = await self.client.search(body=body)
                hits = response["hits"]["hits"]
                if not hits:
                    return
                pit_id = response.get("pit_id", pit_id)
                after = hits[-1]["sort"]
                yield [hit["_source"] for hit in hits]
        finally:
            await self._close_export(pit_id)

    async def _close_export(self, pit_id: str) -> None:
        # A point in time left open expires on its own after EXPORT_KEEP_ALIVE; closing early frees it now.
        try:
            await self.client.close_point_in_time(id=pit_id)
        except (ApiError, TransportError):
            return

    async def cluster_status(self) -> str:
        with self.translated_errors():
            response = await self.client.cluster.health()
        status: str = response["status"]
        return status

    async def documents(self) -> int | None:
        """Documents in the index, None when it does not exist."""
        with self.translated_errors():
            if not await self.client.indices.exists(index=self.index):
                return None
            response = await self.client.count(index=self.index)
        documents: int = response["count"]
        return documents


def _error_type(body: Any) -> str | None:
    detail = body.get("error") if isinstance(body, dict) else None
    return detail.get("type") if isinstance(detail, dict) else None


def _reason(body: Any, fallback: str) -> str:
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        root = (detail.get("root_cause") or [detail])[0]
        return f"{root.get('type')}: {root.get('reason')}"
    return fallback
