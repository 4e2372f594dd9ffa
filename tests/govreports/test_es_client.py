"""The Elasticsearch clients built from settings."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from typing import Any

import pytest

from govreports.errors import ConfigError
from govreports.es_client import OTEL_TRACING, IndexSizing, build_async_client, build_client
from govreports.settings import Settings

# Builds both clients in a fresh process (the variable is read from the environment there) and
# prints whether each opens OpenTelemetry spans.
PROGRAM = (
    "from govreports.es_client import build_async_client, build_client; "
    "from govreports.settings import Settings; "
    "print(build_client(Settings())._otel.enabled, build_async_client(Settings())._otel.enabled)"
)


@pytest.mark.parametrize(("given", "tracing"), [(None, "False"), ("true", "True"), ("false", "False")])
def test_requests_are_traced_only_when_asked(given: str | None, tracing: str) -> None:
    env = {name: value for name, value in os.environ.items() if name != OTEL_TRACING}
    if given is not None:
        env[OTEL_TRACING] = given

    command = [sys.executable, "-c", PROGRAM]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert result.stdout.split() == [tracing, tracing], result.stderr


def test_every_node_of_the_url_list_is_a_node_of_the_client() -> None:
    settings = Settings(es_url="http://127.0.0.1:9201, http://127.0.0.1:9202/")

    for client in (build_client(settings), build_async_client(settings)):
        assert sorted(node.config.port for node in client.transport.node_pool.all()) == [9201, 9202]


def test_the_credentials_of_a_node_url_go_to_every_node() -> None:
    client = build_client(Settings(es_url="http://reader:s%40cret@127.0.0.1:9201,http://127.0.0.1:9202"))

    nodes = client.transport.node_pool.all()

    assert client._headers["authorization"] == "Basic " + base64.b64encode(b"reader:s@cret").decode()
    assert [node.config.headers.get("authorization") for node in nodes] == [None, None]


def test_node_urls_naming_different_users_are_one_clear_error() -> None:
    settings = Settings(es_url="http://a:pw-first@127.0.0.1:9201,http://a:pw-second@127.0.0.1:9202")
    with pytest.raises(ConfigError, match="different users or passwords") as raised:
        build_client(settings)
    assert "pw-first" not in str(raised.value) and "pw-second" not in str(raised.value)


def test_the_sizing_replaces_the_files_shards_and_replicas_and_keeps_the_rest() -> None:
    definition: dict[str, Any] = {
        "settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0, "sort.field": "year"}},
        "mappings": {"dynamic": "strict"},
    }

    automatic = IndexSizing().applied_to(definition)
    fixed = IndexSizing(shards=3, replicas=2).applied_to(definition)

    assert automatic["settings"]["index"] == {
        "sort.field": "year",
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",
    }
    assert fixed["settings"]["index"] == {
        "sort.field": "year",
        "number_of_shards": 3,
        "number_of_replicas": 2,
    }
    assert fixed["mappings"] == definition["mappings"]
    assert definition["settings"]["index"]["number_of_replicas"] == 0  # the file's own stays as it was


def test_the_sizing_comes_from_the_settings() -> None:
    sizing = IndexSizing.from_settings(Settings(index_shards=4, index_replicas=1))
    assert sizing == IndexSizing(shards=4, replicas=1)
    assert IndexSizing.from_settings(Settings()) == IndexSizing(shards=1, replicas=None)
