"""The one place that builds Elasticsearch clients from settings.

Every other module takes a client from here, so timeouts and retries are the same
everywhere, and a cluster that does not answer becomes `ElasticsearchUnavailable`.
The client library stays on 8.x: a 9.x client sends headers an 8.x server rejects.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from elastic_transport import AiohttpHttpNode, ConnectionTimeout, Serializer
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import JsonSerializer, NdjsonSerializer

from govreports.errors import ConfigError, ElasticsearchUnavailable
from govreports.redaction import node_urls, without_credentials
from govreports.settings import Settings

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
    if settings.es_ca_certs is not None:
        if not all(node.startswith("https://") for node in node_urls(settings.es_url)):
            raise ConfigError("GOVREPORTS_ES_CA_CERTS checks TLS: GOVREPORTS_ES_URL must be https://")
        options["ca_certs"] = str(settings.es_ca_certs)
    return options


def build_client(settings: Settings) -> Elasticsearch:
    _tracing_off_unless_asked()
    return Elasticsearch(
        settings.es_url,
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
        settings.es_url,
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
