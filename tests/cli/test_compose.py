"""docker-compose.yml: Docker's own validator when it is installed, and its shape always."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from govreports.elastic import ES_VERSION

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"


def compose_plugin_missing() -> str | None:
    """Why `docker compose` cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker client is not installed"
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
    if version.returncode != 0:
        return "the docker compose plugin is not installed"
    return None


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


def test_docker_compose_accepts_the_file() -> None:
    reason = compose_plugin_missing()
    if reason:
        pytest.skip(reason)
    result = subprocess.run(
        ["docker", "compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_elasticsearch_matches_the_local_node(compose: dict[str, Any]) -> None:
    elasticsearch = compose["services"]["elasticsearch"]
    assert elasticsearch["image"].endswith(f"/elasticsearch:{ES_VERSION}")
    assert elasticsearch["environment"]["discovery.type"] == "single-node"
    assert elasticsearch["environment"]["xpack.security.enabled"] == "false"
    volume = elasticsearch["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, so the index outlives the container


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("api", ["serve", "--host", "0.0.0.0", "--port", "8000", "--access-log"]),
        ("watch", ["watch", "--every", "6h"]),
    ],
)
def test_app_services_run_the_cli_from_the_repository_image(
    compose: dict[str, Any], service: str, command: list[str]
) -> None:
    definition = compose["services"][service]
    assert definition["build"] == "."
    assert definition["command"] == command
    assert definition["environment"]["GOVREPORTS_ES_URL"] == "http://elasticsearch:9200"
    assert definition["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


def test_dockerfile_runs_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["govreports"]' in dockerfile
    assert 'CMD ["serve", "--host", "0.0.0.0", "--access-log"]' in dockerfile


def test_every_port_is_published_on_loopback_only(compose: dict[str, Any]) -> None:
    published = {name: service.get("ports", []) for name, service in compose["services"].items()}

    assert published["api"] == ["127.0.0.1:8000:8000"]
    for name, ports in published.items():
        assert all(str(port).startswith("127.0.0.1:") for port in ports), name


def test_the_api_takes_its_public_surface_settings_from_the_host(compose: dict[str, Any]) -> None:
    environment = compose["services"]["api"]["environment"]

    assert environment["GOVREPORTS_ES_URL"] == "http://elasticsearch:9200"  # the shared ones stay
    for name in ("GOVREPORTS_PUBLIC_URL", "GOVREPORTS_TRUSTED_PROXIES", "GOVREPORTS_RATE_LIMIT"):
        assert environment[name].startswith(f"${{{name}:-"), name
