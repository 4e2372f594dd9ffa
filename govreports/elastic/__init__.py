"""A local single-node Elasticsearch for this machine: fetched from Maven Central, run on loopback."""

from govreports.elastic.distribution import ES_VERSION
from govreports.elastic.node import RunningNode, start, status, stop

__all__ = ["ES_VERSION", "RunningNode", "start", "status", "stop"]
