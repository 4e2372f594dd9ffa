"""Webhook secrets at rest: sealed with GOVREPORTS_SECRET_KEYS, refused without a key, plain ones from
before sealed on the first start that has a key, resealed when a new key is put first; deliveries
always signed with the secret the subscriber gave, and never sent unsigned."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken
from elasticsearch import Elasticsearch
from pydantic import SecretStr
from webhook_receiver import Receiver

from govreports.errors import ConfigError
from govreports.model import Report
from govreports.secrets import secret_box
from govreports.settings import Settings
from indexer.lifecycle import ensure_index
from indexer.writer import index_reports
from monitor import deliveries
from monitor.clock import es_date, utc_now
from monitor.indices import MonitorIndices, ensure_indices
from monitor.notify import notify
from monitor.signing import SIGNATURE_HEADER, verify
from monitor.subscriptions import SubscriptionSpec, new_subscription, save, seal_stored_secrets
from search_api.app import create_app
from search_api.testing import InProcessClient, in_process

pytestmark = pytest.mark.es
GOVREPORTS = str(Path(sys.executable).with_name("govreports"))
KEY, NEW_KEY, OTHER_KEY = (Fernet.generate_key().decode() for _ in range(3))
SECRET = "the-subscriber's-s3cret"
LEGACY_ID = "1" * 32
ADMIN = {"Authorization": "Bearer t0ken-for-tests"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


@pytest.fixture
def settings(es_client: Elasticsearch, es_settings: Settings) -> Settings:
    """A report index and monitor indices of this test's own; no key yet."""
    ensure_index(es_client, es_settings.index)
    ensure_indices(es_client, MonitorIndices(es_settings.index))
    return es_settings.model_copy(
        update={"allow_private_webhooks": True, "admin_token": SecretStr("t0ken-for-tests")}
    )


def with_keys(settings: Settings, *keys: str) -> Settings:
    return settings.model_copy(update={"secret_keys": [SecretStr(key) for key in keys]})


def publish(client: Elasticsearch, settings: Settings, fetched_at: datetime) -> str:
    report_id = hashlib.sha1(fetched_at.isoformat().encode()).hexdigest()
    report = Report(
        id=report_id,
        title="2025年政府信息公开工作年度报告",
        office="某街道办事处",
        year=2025,
        fetched_at=fetched_at,
        content_sha256=report_id,
        format="html",
        source_url=f"http://127.0.0.1:9/{report_id}.html",
        source_site="fixture",
    )
    assert index_reports(client, settings.index, [report]).failed == 0
    return report_id


def stored_secret(client: Elasticsearch, settings: Settings, subscription_id: str) -> str:
    source = client.get(index=MonitorIndices(settings.index).subscriptions, id=subscription_id)["_source"]
    secret: str = source["secret"]
    return secret


def opened(stored: str, key: str) -> str:
    return Fernet(key.encode()).decrypt(stored.removeprefix("fernet:").encode()).decode()


def write_plain_subscription(client: Elasticsearch, settings: Settings, webhook_url: str) -> None:
    """A subscription as versions before sealing stored it: the secret in plain text."""
    start = es_date(utc_now() - timedelta(minutes=2))
    document = {
        "id": LEGACY_ID,
        "name": "written before sealing",
        "filters": {},
        "webhook_url": webhook_url,
        "notify_revisions": False,
        "secret": SECRET,
        "created_at": start,
        "new_watermark": start,
        "revision_watermark": start,
    }
    client.index(
        index=MonitorIndices(settings.index).subscriptions, id=LEGACY_ID, document=document, refresh=True
    )


def post(api: InProcessClient, body: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = api.portal.call(
        lambda: api.client.post("/api/subscriptions", json=body, headers=ADMIN)
    )
    return response


def assert_signed_with_the_secret(receiver: Receiver) -> None:
    [delivered] = receiver.posts
    assert verify(delivered.body, SECRET, delivered.headers[SIGNATURE_HEADER])


def test_a_secret_given_to_the_api_is_stored_sealed_and_signs_deliveries(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver
) -> None:
    keyed = with_keys(settings, KEY)
    with in_process(create_app(keyed)) as api:
        created = post(api, {"name": "all", "webhook_url": receiver.url, "secret": SECRET})
    assert created.status_code == 201, created.text
    stored = stored_secret(es_client, settings, created.json()["id"])
    assert stored.startswith("fernet:") and SECRET not in stored
    assert opened(stored, KEY) == SECRET

    now = utc_now()
    publish(es_client, settings, now + timedelta(minutes=1))
    outcome = notify(es_client, keyed, clock=lambda: now + timedelta(minutes=2))
    assert len(outcome.sent.delivered) == 1
    assert_signed_with_the_secret(receiver)


def test_without_a_key_a_secret_is_refused_and_nothing_is_stored(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver
) -> None:
    with in_process(create_app(settings)) as api:
        refused = post(api, {"name": "signed", "webhook_url": receiver.url, "secret": SECRET})
        unsigned = post(api, {"name": "unsigned", "webhook_url": receiver.url})
    assert refused.status_code == 503
    disabled = "webhook secrets are disabled: the server has no GOVREPORTS_SECRET_KEYS to encrypt them with"
    assert refused.json() == {"error": disabled, "detail": None}
    assert unsigned.status_code == 201
    subscriptions = MonitorIndices(settings.index).subscriptions
    es_client.indices.refresh(index=subscriptions)
    assert es_client.count(index=subscriptions)["count"] == 1


def test_plain_secrets_are_sealed_on_the_first_api_start_with_a_key(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver
) -> None:
    write_plain_subscription(es_client, settings, receiver.url)
    with in_process(create_app(settings)):
        pass
    assert stored_secret(es_client, settings, LEGACY_ID) == SECRET  # no key: nothing to seal with

    keyed = with_keys(settings, KEY)
    with in_process(create_app(keyed)):
        pass
    stored = stored_secret(es_client, settings, LEGACY_ID)
    assert stored.startswith("fernet:") and opened(stored, KEY) == SECRET

    publish(es_client, settings, utc_now() - timedelta(minutes=1))
    assert len(notify(es_client, keyed).sent.delivered) == 1
    assert_signed_with_the_secret(receiver)


@pytest.mark.slow
def test_plain_secrets_are_sealed_when_the_watch_loop_starts(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver, tmp_path: Path, free_port: int
) -> None:
    write_plain_subscription(es_client, settings, receiver.url)
    publish(es_client, settings, utc_now() - timedelta(minutes=1))
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[[site]]\nname = "dead"\nstart_urls = ["http://127.0.0.1:{free_port}/"]\n', encoding="utf-8"
    )
    env = {
        **os.environ,
        "GOVREPORTS_ES_URL": settings.es_url,
        "GOVREPORTS_INDEX": settings.index,
        "GOVREPORTS_DATA_DIR": str(tmp_path / "data"),
        "GOVREPORTS_SITES": str(sites),
        "GOVREPORTS_ALLOW_PRIVATE_WEBHOOKS": "true",
        "GOVREPORTS_SECRET_KEYS": KEY,
    }
    watched = subprocess.run(
        [GOVREPORTS, "watch", "--once", "--no-polite"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "1 of 1 sites failed" in watched.stderr, watched.stderr  # the dead portal, as it should
    stored = stored_secret(es_client, settings, LEGACY_ID)
    assert stored.startswith("fernet:") and opened(stored, KEY) == SECRET
    assert_signed_with_the_secret(receiver)


def test_a_new_first_key_reseals_every_secret(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver
) -> None:
    indices = MonitorIndices(settings.index)
    spec = SubscriptionSpec(name="all", webhook_url=receiver.url, secret=SECRET)
    subscription = new_subscription(
        spec, utc_now() - timedelta(minutes=2), secret_box(with_keys(settings, KEY))
    )
    save(es_client, indices, subscription)

    rotating = with_keys(settings, NEW_KEY, KEY)
    assert seal_stored_secrets(es_client, rotating) == 1
    assert seal_stored_secrets(es_client, rotating) == 0  # already sealed under the first key
    stored = stored_secret(es_client, settings, subscription.id)
    assert opened(stored, NEW_KEY) == SECRET
    with pytest.raises(InvalidToken):
        opened(stored, KEY)

    # The old key can go now: the new one alone signs.
    publish(es_client, settings, utc_now() - timedelta(minutes=1))
    assert len(notify(es_client, with_keys(settings, NEW_KEY)).sent.delivered) == 1
    assert_signed_with_the_secret(receiver)


@pytest.mark.parametrize(
    ("keys", "reason"), [((OTHER_KEY,), "no key of"), ((), "set GOVREPORTS_SECRET_KEYS")]
)
def test_a_secret_the_keys_do_not_open_is_never_sent_unsigned(
    es_client: Elasticsearch, settings: Settings, receiver: Receiver, keys: tuple[str, ...], reason: str
) -> None:
    indices = MonitorIndices(settings.index)
    spec = SubscriptionSpec(name="all", webhook_url=receiver.url, secret=SECRET)
    save(
        es_client,
        indices,
        new_subscription(spec, utc_now() - timedelta(minutes=2), secret_box(with_keys(settings, KEY))),
    )
    publish(es_client, settings, utc_now() - timedelta(minutes=1))

    outcome = notify(es_client, with_keys(settings, *keys))
    [failed] = outcome.sent.failed
    assert receiver.posts == []
    delivery = deliveries.get(es_client, indices, failed)
    assert delivery is not None and reason in (delivery.last_error or "")


def test_a_malformed_key_is_one_clear_error_without_the_key() -> None:
    with pytest.raises(ConfigError, match="key 2 is not a Fernet key") as raised:
        secret_box(Settings(secret_keys=[SecretStr(KEY), SecretStr("not-a-fernet-key")]))
    assert "not-a-fernet-key" not in str(raised.value)


def test_keys_are_read_comma_separated_and_the_first_seals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVREPORTS_SECRET_KEYS", f" {NEW_KEY}, {KEY} ")
    box = secret_box(Settings())
    assert box is not None
    sealed = box.seal(SECRET)
    assert opened(sealed, NEW_KEY) == SECRET
    assert box.open(sealed) == SECRET and box.open(SECRET) == SECRET  # plain text from before passes
