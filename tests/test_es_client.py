"""The Elasticsearch clients built from settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govreports.es_client import OTEL_TRACING

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
