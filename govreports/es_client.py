"""The one place that builds Elasticsearch clients from settings.

Every other module takes a client from here, so timeouts and retries are the same
everywhere, and a cluster that does not answer becomes `ElasticsearchUnavailable`.
The client library stays on 8.x: a 9.x client sends headers an 8.x server rejects.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from elastic_transport import AiohttpHttpNode, ConnectionTimeout, Serializer
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, AsyncElasticsearch, BadRequestError, Elasticsearch
from elasticsearch.serializer import JsonSerializer, NdjsonSerializer

from govreports.errors import ConfigError, ElasticsearchUnavailable
from govreports.redaction import node_urls, without_credentials
from govreports.settings import Settings, get_settings

REQUEST_TIMEOUT_S = 30.0
# Connection errors and timeouts are retried: a busy shared node can pause for a GC or a merge.
MAX_RETRIES = 3
RETRY_ON_STATUS = (429, 502, 503, 504)
REACHABILITY_TIMEOUT_S = 5.0
UNREACHABLE = (TransportConnectionError, ConnectionTimeout)
# The client opens an OpenTelemetry span for every request whenever opentelemetry-api can be
# imported (FastAPI depends on it). With no tracer configured the spans go nowhere, yet they cost
# 3% of a search's CPU in the API; whoever traces sets this variable to "true".
OTEL_TRACING = "OTEL_PYTHON_INSTRUMENTATION_ELASTICSEARCH_ENABLED"


class OrjsonJsonSerializer(JsonSerializer):
    """orjson in place of the json module: report documents and search answers are large, and the
    standard library's encoder and decoder were most of the client's CPU time per request."""

    def json_dumps(self, data: Any) -> bytes:
        return orjson.dumps(data, default=self.default)

    def json_loads(self, data: bytes) -> Any:
        return orjson.loads(data)


class OrjsonNdjsonSerializer(OrjsonJsonSerializer, NdjsonSerializer):
    """Bulk and _msearch bodies, one orjson document a line."""


def _serializers() -> dict[str, Serializer]:
    return {
        JsonSerializer.mimetype: OrjsonJsonSerializer(),
        NdjsonSerializer.mimetype: OrjsonNdjsonSerializer(),
    }


def _tracing_off_unless_asked() -> None:
    os.environ.setdefault(OTEL_TRACING, "false")


def _credentials(settings: Settings) -> dict[str, Any]:
    """The client's authentication and TLS options; credentials inside the URL are the client's to read."""
    username, password, api_key = settings.es_username, settings.es_password, settings.es_api_key
    if (username is None) != (password is None):
        raise ConfigError("GOVREPORTS_ES_USERNAME and GOVREPORTS_ES_PASSWORD are set together or not at all")
    if api_key is not None and username is not None:
        raise ConfigError("set GOVREPORTS_ES_API_KEY or GOVREPORTS_ES_USERNAME and _PASSWORD, not both")
    options: dict[str, Any] = {}
    if username is not None and password is not None:
        options["basic_auth"] = (username.get_secret_value(), password.get_secret_value())
    if api_key is not None:
        options["api_key"] = api_key.get_secret_value()
    if not options and (in_urls := _credentials_in_urls(settings.es_url)):
        options["basic_auth"] = in_urls
    if settings.es_ca_certs is not None:
        if not all(node.startswith("https://") for node in node_urls(settings.es_url)):
            raise ConfigError("GOVREPORTS_ES_CA_CERTS checks TLS: GOVREPORTS_ES_URL must be https://")
        options["ca_certs"] = str(settings.es_ca_certs)
    return options


def _credentials_in_urls(es_url: str) -> tuple[str, str] | None:
    """The `user:password@` the node URLs carry, sent to every node of the list.

    Elasticsearch users belong to the whole cluster, so the nodes share them. (The client library
    would also send the first node's to every node whatever the others say: one set, stated.)
    """
    found = set()
    for node in node_urls(es_url):
        parts = urlsplit(node)
        if parts.username is not None:
            found.add((unquote(parts.username), unquote(parts.password or "")))
    if len(found) > 1:
        raise ConfigError(
            "the node URLs of GOVREPORTS_ES_URL name different users or passwords; users belong to the "
            "whole cluster: give each node the same, or set GOVREPORTS_ES_USERNAME and _PASSWORD"
        )
    return found.pop() if found else None


def _addresses(settings: Settings) -> list[str]:
    """Every node URL of the list, without credentials (`_credentials` sends those to each node)."""
    return [without_credentials(node) for node in node_urls(settings.es_url)]


def build_client(settings: Settings) -> Elasticsearch:
    _tracing_off_unless_asked()
    return Elasticsearch(
        # Every node of the list: a request that fails on one is retried on another.
        _addresses(settings),
        serializers=_serializers(),
        request_timeout=REQUEST_TIMEOUT_S,
        max_retries=MAX_RETRIES,
        retry_on_timeout=True,
        retry_on_status=RETRY_ON_STATUS,
        **_credentials(settings),
    )


def build_async_client(settings: Settings) -> AsyncElasticsearch:
    # aiohttp, the client's own default: about half the CPU per request of the httpx node.
    _tracing_off_unless_asked()
    return AsyncElasticsearch(
        _addresses(settings),
        node_class=AiohttpHttpNode,
        serializers=_serializers(),
        request_timeout=REQUEST_TIMEOUT_S,
        max_retries=MAX_RETRIES,
        retry_on_timeout=True,
        retry_on_status=RETRY_ON_STATUS,
        **_credentials(settings),
    )


def ensure_reachable(client: Elasticsearch, url: str) -> None:
    """Fail fast with one clear error when the cluster does not answer (no retries here)."""
    with unavailable_as_domain_error(url):
        client.options(request_timeout=REACHABILITY_TIMEOUT_S, max_retries=0).cluster.health()


async def ensure_reachable_async(client: AsyncElasticsearch, url: str) -> None:
    with unavailable_as_domain_error(url):
        await client.options(request_timeout=REACHABILITY_TIMEOUT_S, max_retries=0).cluster.health()


@contextmanager
def unavailable_as_domain_error(url: str) -> Iterator[None]:
    """Turn "cannot reach the cluster" (or a cluster refusing with 5xx) into `ElasticsearchUnavailable`.

    The message is for operators: it names the node, never its credentials.
    """
    address = without_credentials(url)
    try:
        yield
    except UNREACHABLE as error:
        raise ElasticsearchUnavailable(
            f"Elasticsearch does not answer at {address} ({type(error).__name__}); "
            "start one with `govreports es start` or set GOVREPORTS_ES_URL"
        ) from error
    except ApiError as error:
        if error.meta.status < 500:
            raise
        status = error.meta.status
        raise ElasticsearchUnavailable(f"Elasticsearch at {address} is unavailable: HTTP {status}") from error


def delete_prefixed(client: Elasticsearch, prefix: str) -> None:
    """Delete every index and alias whose name starts with `prefix`.

    Names are listed and deleted one by one: the node refuses wildcard deletes
    (`action.destructive_requires_name` is on by default, and stays on).
    """
    pattern = f"{prefix}*"
    aliases = client.indices.get_alias(name=pattern, expand_wildcards="all", ignore_unavailable=True)
    for index, entry in aliases.body.items():
        for alias in entry.get("aliases", {}):
            if alias.startswith(prefix):
                client.indices.delete_alias(index=index, name=alias)
    indices = client.indices.get(index=pattern, expand_wildcards="all", ignore_unavailable=True)
    for index in indices.body:
        client.indices.delete(index=index)


# --- creating indices --------------------------------------------------------------------------

# One replica once a second node joins, none on a lone node (which could never place it): every
# index stays green on one node and survives the loss of a node in a cluster.
AUTO_REPLICAS = "0-1"
ALREADY_EXISTS = "resource_already_exists_exception"


@dataclass(frozen=True)
class IndexSizing:
    """Primary shards and replicas of every index govreports creates (None replicas: `AUTO_REPLICAS`)."""

    shards: int = 1
    replicas: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexSizing:
        return cls(shards=settings.index_shards, replicas=settings.index_replicas)

    def applied_to(self, definition: dict[str, Any]) -> dict[str, Any]:
        """`definition` (a create-index body) with this sizing in place of the one its file names."""
        index_settings = {
            key: value
            for key, value in definition.get("settings", {}).get("index", {}).items()
            if key not in ("number_of_shards", "number_of_replicas", "auto_expand_replicas")
        }
        index_settings["number_of_shards"] = self.shards
        if self.replicas is None:
            index_settings["auto_expand_replicas"] = AUTO_REPLICAS
        else:
            index_settings["number_of_replicas"] = self.replicas
        settings = {**definition.get("settings", {}), "index": index_settings}
        return {**definition, "settings": settings}


def _sizing_or_configured(sizing: IndexSizing | None) -> IndexSizing:
    # Sizing is the deployment's, read where an index is born: the many callers that may create an
    # index on first use (the indexer, crawler, monitor, API, audit) need not each carry it.
    return sizing if sizing is not None else IndexSizing.from_settings(get_settings())


def create_index(
    client: Elasticsearch,
    name: str,
    definition: dict[str, Any],
    *,
    aliases: dict[str, Any] | None = None,
    sizing: IndexSizing | None = None,
) -> bool:
    """Create `name` from `definition`, sized by `sizing` (default: the settings'); False when it
    already exists (another process creating it first is fine)."""
    body = _sizing_or_configured(sizing).applied_to(definition)
    try:
        client.indices.create(index=name, aliases=aliases, **body)
    except BadRequestError as error:
        if error.error != ALREADY_EXISTS:
            raise
        return False
    return True


async def create_index_async(
    client: AsyncElasticsearch, name: str, definition: dict[str, Any], *, sizing: IndexSizing | None = None
) -> bool:
    """`create_index` for the API's async client."""
    body = _sizing_or_configured(sizing).applied_to(definition)
    try:
        await client.indices.create(index=name, **body)
    except BadRequestError as error:
        if error.error != ALREADY_EXISTS:
            raise
        return False
    return True
