"""What answers at an Elasticsearch URL: HTTP probes with short timeouts, no client library.

This distribution leaves out the `rest-root` module, so `GET /` may not answer:
readiness comes from `/_cluster/health` and the version from `/_nodes/_local`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

import httpx

from govreports.errors import ElasticsearchUnavailable

PROBE_TIMEOUT_S = 3.0


class Answer(Enum):
    NOTHING = "nothing listens"
    ELASTICSEARCH = "Elasticsearch"
    STARTING = "Elasticsearch, not ready yet"
    SOMETHING_ELSE = "something that is not Elasticsearch"


@dataclass(frozen=True)
class Probe:
    answer: Answer
    detail: str = ""


@dataclass(frozen=True)
class NodeFacts:
    version: str
    cluster_name: str
    status: str


def probe(url: str) -> Probe:
    """Classify what listens at `url` by asking for the cluster health."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/_cluster/health", timeout=PROBE_TIMEOUT_S)
    except httpx.TransportError as error:
        if port_accepts_connections(url):
            return Probe(Answer.SOMETHING_ELSE, f"the port accepts connections but HTTP fails: {error}")
        return Probe(Answer.NOTHING, str(error) or type(error).__name__)
    # Every Elasticsearch response carries this header, errors included.
    if response.headers.get("X-elastic-product") != "Elasticsearch":
        return Probe(Answer.SOMETHING_ELSE, f"GET /_cluster/health answered HTTP {response.status_code}")
    status = cluster_status(response)
    if response.status_code == 200 and status in ("green", "yellow"):
        return Probe(Answer.ELASTICSEARCH, status)
    return Probe(Answer.STARTING, status or f"HTTP {response.status_code}")


def cluster_status(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("status", "")) if isinstance(body, dict) else ""


def node_facts(url: str) -> NodeFacts:
    """Version, cluster name and health of the Elasticsearch node answering at `url`."""
    base = url.rstrip("/")
    try:
        nodes = httpx.get(f"{base}/_nodes/_local", timeout=PROBE_TIMEOUT_S)
        health = httpx.get(f"{base}/_cluster/health", timeout=PROBE_TIMEOUT_S)
        nodes.raise_for_status()
        body = nodes.json()
        node = next(iter(body["nodes"].values()))
        status = str(health.json()["status"])
        return NodeFacts(version=str(node["version"]), cluster_name=str(body["cluster_name"]), status=status)
    except (httpx.HTTPError, ValueError, KeyError, StopIteration) as error:
        reason = f"cannot read the node's version at {base}/_nodes/_local: {error}"
        raise ElasticsearchUnavailable(reason) from error


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 9200
    return parts.hostname or "127.0.0.1", parts.port or default_port


def port_accepts_connections(url: str) -> bool:
    host, port = host_and_port(url)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False
