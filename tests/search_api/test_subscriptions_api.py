"""/api/subscriptions through the real app and the real Elasticsearch: the admin token, webhook
validation (422 in the API's error shape), create, list, delete."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from elasticsearch import Elasticsearch
from pydantic import SecretStr

from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from search_api.app import create_app
from search_api.testing import served

pytestmark = pytest.mark.es
TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
HOOK = "http://127.0.0.1:9/hook"


def body(**fields: Any) -> dict[str, Any]:
    return {
        "name": "广州 2025",
        "filters": {"city": ["广州市"], "year": [2025]},
        "webhook_url": HOOK,
    } | fields


@contextmanager
def serve(settings: Settings, port: int) -> Iterator[httpx.Client]:
    """The real app, served by uvicorn on 127.0.0.1, and an HTTP client for it."""
    with served(create_app(settings), port) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


@pytest.fixture
def api(es_client: Elasticsearch, es_settings: Settings, free_port: int) -> Iterator[httpx.Client]:
    ensure_index(es_client, es_settings.index)
    update = {
        "admin_token": SecretStr(TOKEN),
        "allow_private_webhooks": True,
        "secret_keys": [SecretStr(Fernet.generate_key().decode())],
    }
    with serve(es_settings.model_copy(update=update), free_port) as client:
        yield client


@pytest.fixture
def strict_api(es_settings: Settings, free_port: int) -> Iterator[httpx.Client]:
    with serve(es_settings.model_copy(update={"admin_token": SecretStr(TOKEN)}), free_port) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN}],
)
def test_changes_without_the_right_token_are_401(api: httpx.Client, headers: dict[str, str]) -> None:
    responses = [
        api.post("/api/subscriptions", json=body(), headers=headers),
        api.get("/api/subscriptions", headers=headers),
        api.delete(f"/api/subscriptions/{'0' * 32}", headers=headers),
    ]
    for response in responses:
        assert response.status_code == 401, response.text
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "admin token" in response.json()["error"]


def test_without_a_configured_token_nobody_may_subscribe(es_settings: Settings, free_port: int) -> None:
    with serve(es_settings.model_copy(update={"admin_token": None}), free_port) as client:
        response = client.post("/api/subscriptions", json=body(), headers=AUTH)
    assert response.status_code == 401
    assert "GOVREPORTS_ADMIN_TOKEN" in response.json()["error"]


def test_create_list_delete(api: httpx.Client) -> None:
    created = api.post("/api/subscriptions", json=body(secret="s3cret", notify_revisions=True), headers=AUTH)
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["name"] == "广州 2025" and subscription["has_secret"] is True
    assert subscription["notify_revisions"] is True
    assert subscription["filters"]["city"] == ["广州市"] and subscription["filters"]["year"] == [2025]
    assert "secret" not in subscription
    listed = api.get("/api/subscriptions", headers=AUTH).json()["subscriptions"]
    assert [item["id"] for item in listed] == [subscription["id"]]
    assert "secret" not in listed[0] and "s3cret" not in api.get("/api/subscriptions", headers=AUTH).text
    assert api.delete(f"/api/subscriptions/{subscription['id']}", headers=AUTH).status_code == 204
    assert api.get("/api/subscriptions", headers=AUTH).json()["subscriptions"] == []
    gone = api.delete(f"/api/subscriptions/{subscription['id']}", headers=AUTH)
    assert gone.status_code == 404 and "no subscription" in gone.json()["error"]


def test_listing_before_any_subscription_is_empty(api: httpx.Client) -> None:
    assert api.get("/api/subscriptions", headers=AUTH).json() == {"subscriptions": []}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8080/hook", "non-public"),
        ("http://localhost/hook", "non-public"),
        ("http://10.0.0.8/hook", "non-public"),
        ("http://[::1]/hook", "non-public"),
        ("ftp://example.org/hook", "http or https"),
    ],
)
def test_private_or_odd_webhooks_are_422_unless_allowed(
    strict_api: httpx.Client, url: str, message: str
) -> None:
    response = strict_api.post("/api/subscriptions", json=body(webhook_url=url), headers=AUTH)
    assert response.status_code == 422
    error = response.json()
    assert set(error) == {"error", "detail"} and message in error["error"]
    assert error["detail"][0]["parameter"] == "webhook_url"


def test_private_webhooks_are_accepted_when_allowed(api: httpx.Client) -> None:
    assert api.post("/api/subscriptions", json=body(), headers=AUTH).status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        body(filters={"town": ["x"]}),
        body(filters={"min_lawsuits": "many"}),
        body(name=""),
        {"name": "no hook"},
        body(unexpected=1),
    ],
)
def test_malformed_subscriptions_are_422(api: httpx.Client, payload: dict[str, Any]) -> None:
    response = api.post("/api/subscriptions", json=payload, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"].startswith("invalid parameter")


def test_reading_stays_public(api: httpx.Client) -> None:
    assert api.get("/api/new", params={"since": "2025-01-01T00:00:00Z"}).status_code == 200
    assert api.get("/api/watch").status_code == 200
