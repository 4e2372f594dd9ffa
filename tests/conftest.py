"""Shared fixtures: the real local Elasticsearch, a private index per test, a free loopback port.

Tests marked `@pytest.mark.es` get the node automatically: it is started (through
the same code as `govreports es start`) when nothing answers at GOVREPORTS_ES_URL.
If it cannot start, those tests fail with the reason; they are never skipped.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from govreports import elastic
from govreports.cli import main
from govreports.es_client import build_client, delete_prefixed, ensure_reachable
from govreports.settings import Settings, get_settings

TEST_INDEX_PREFIX = "test-"


@pytest.fixture(scope="session")
def es_session_settings() -> Settings:
    """Settings as the environment gives them, read fresh (not the cached `get_settings()`)."""
    return Settings()


@pytest.fixture(scope="session")
def es_client(es_session_settings: Settings) -> Iterator[Elasticsearch]:
    """A sync client for the local node, started for this session when nothing answers yet."""
    node, _ = elastic.start(es_session_settings)
    client = build_client(es_session_settings)
    ensure_reachable(client, node.url)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _es_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Give every `@pytest.mark.es` test the node, without each naming the fixture."""
    if request.node.get_closest_marker("es") is not None:
        request.getfixturevalue("es_client")


@pytest.fixture
def es_index(es_client: Elasticsearch) -> Iterator[str]:
    """A fresh index name (`test-<hex>`) for one test; the test creates it with the mapping it needs.

    Afterwards every index and alias whose name starts with it is deleted, so a test may also
    use `f"{es_index}-v2"` and the like.
    """
    name = f"{TEST_INDEX_PREFIX}{uuid.uuid4().hex}"
    yield name
    delete_prefixed(es_client, name)


@pytest.fixture
def es_settings(es_session_settings: Settings, es_index: str) -> Settings:
    """Settings whose GOVREPORTS_INDEX is this test's private index."""
    return es_session_settings.model_copy(update={"index": es_index})


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
        return port


Invoke = Callable[..., tuple[int, str, str]]


@pytest.fixture
def govreports_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Iterator[Invoke]:
    """`govreports ARGS` through the real entry point, in this process: (exit code, stdout, stderr)."""

    def invoke(*args: str, sites: Path | None = None) -> tuple[int, str, str]:
        for key in [key for key in os.environ if key.startswith("GOVREPORTS_")]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("GOVREPORTS_DATA_DIR", str(tmp_path / "data"))
        if sites is not None:
            monkeypatch.setenv("GOVREPORTS_SITES", str(sites))
        monkeypatch.setattr(sys, "argv", ["govreports", *args])
        get_settings.cache_clear()
        with pytest.raises(SystemExit) as exit_:
            main()
        captured = capsys.readouterr()
        return int(exit_.value.code or 0), captured.out, captured.err

    yield invoke
    get_settings.cache_clear()
