"""POST/GET/DELETE /api/subscriptions: saved searches notified by webhook (admin token required).

Everything else in the API is public and read-only; these routes change state or
show webhook URLs, so each needs `Authorization: Bearer <GOVREPORTS_ADMIN_TOKEN>`.
With no admin token configured, nobody can use them.

A webhook secret is stored sealed with GOVREPORTS_SECRET_KEYS; with no key, a subscription with
a secret is refused (503: the request is right, the server is not configured to keep it safe).
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated, Any

from elasticsearch import NotFoundError
from fastapi import APIRouter, Depends, HTTPException, Path, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from govreports.errors import GovreportsError
from govreports.es_client import REACHABILITY_TIMEOUT_S, build_client
from govreports.secrets import SecretKeysMissing, secret_box
from govreports.settings import Settings
from monitor.clock import utc_now
from monitor.errors import InvalidWebhookUrl
from monitor.indices import MonitorIndices, ensure_indices_async
from monitor.subscriptions import (
    ADDED_FIELDS,
    Subscription,
    SubscriptionSpec,
    SubscriptionView,
    new_subscription,
    seal_stored_secrets,
)
from monitor.webhook_url import validate_webhook_url
from search_api.deps import SettingsDep, StoreDep
from search_api.errors import ERROR_RESPONSES
from search_api.schemas import ErrorBody
from search_api.store import ReportStore

LIST_LIMIT = 1000
log = logging.getLogger("govreports.api")
bearer = HTTPBearer(auto_error=False, description="the server's GOVREPORTS_ADMIN_TOKEN")


def require_admin(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> None:
    expected = settings.admin_token
    if expected is None:
        raise _unauthorized("subscriptions are disabled: the server has no GOVREPORTS_ADMIN_TOKEN")
    given = credentials.credentials if credentials is not None else ""
    # Constant-time comparison: response timing must not reveal how much of a guess was right.
    if not given or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise _unauthorized("a valid admin token is required: Authorization: Bearer <GOVREPORTS_ADMIN_TOKEN>")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(
    tags=["subscriptions"],
    dependencies=[Depends(require_admin)],
    responses={
        **ERROR_RESPONSES,
        400: {"model": ErrorBody, "description": "the body is not JSON"},
        401: {"model": ErrorBody, "description": "no or wrong admin token"},
        503: {
            "model": ErrorBody,
            "description": "Elasticsearch is unreachable, or a secret was given and the server has "
            "no GOVREPORTS_SECRET_KEYS to encrypt it with",
        },
    },
)
SubscriptionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the subscription's id")]


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionView]


@router.post("/api/subscriptions", status_code=201, response_model=SubscriptionView)
async def create_subscription(
    spec: SubscriptionSpec, settings: SettingsDep, store: StoreDep
) -> SubscriptionView:
    """Save a search; after each index run its webhook gets one POST listing the matching reports
    first seen since the last one (event `new`), and with `notify_revisions` the changed cells of
    revised reports (event `revised`), and with `notify_missing` each office found without a report
    for a year (event `missing`, docs/audit.md) and the report that later turns up (`missing_cleared`),
    matched on the office, region and level filters only. With a `secret`, each POST is signed:
    `X-Govreports-Signature: sha256=<hex HMAC-SHA256 of the body>`; the secret is stored encrypted,
    and refused (503) when the server has no GOVREPORTS_SECRET_KEYS."""
    url = await _checked_webhook(spec.webhook_url, settings)
    try:
        subscription = new_subscription(
            spec.model_copy(update={"webhook_url": url}), utc_now(), secret_box(settings)
        )
    except SecretKeysMissing as error:
        raise HTTPException(503, str(error)) from error
    indices = MonitorIndices(store.index)
    with store.translated_errors():
        await ensure_indices_async(store.client, indices, "subscriptions")
        await store.client.indices.put_mapping(index=indices.subscriptions, properties=ADDED_FIELDS)
        await store.client.index(
            index=indices.subscriptions, id=subscription.id, document=subscription.document(), refresh=True
        )
    return SubscriptionView.of(subscription)


@router.get("/api/subscriptions", response_model=SubscriptionList)
async def list_subscriptions(settings: SettingsDep, store: StoreDep) -> SubscriptionList:
    """The subscriptions (the first 1000), oldest first; secrets are never shown, only whether one is set."""
    sources = await _subscription_sources(store, settings)
    views = [SubscriptionView.of(Subscription.model_validate(source)) for source in sources]
    return SubscriptionList(subscriptions=views)


@router.delete(
    "/api/subscriptions/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody, "description": "no such subscription"}},
)
async def delete_subscription(
    subscription_id: SubscriptionId, settings: SettingsDep, store: StoreDep
) -> Response:
    """Delete a subscription; deliveries still pending for it are cancelled, not sent."""
    indices = MonitorIndices(store.index)
    with store.translated_errors():
        try:
            await store.client.delete(index=indices.subscriptions, id=subscription_id, refresh=True)
        except NotFoundError as error:
            raise HTTPException(404, f"no subscription has the id {subscription_id!r}") from error
    return Response(status_code=204)


async def _checked_webhook(url: str, settings: Settings) -> str:
    try:
        # Resolving the host is blocking I/O: off the event loop.
        checked: str = await run_in_threadpool(
            validate_webhook_url, url, allow_private=settings.allow_private_webhooks
        )
    except InvalidWebhookUrl as error:
        raise RequestValidationError(
            [{"loc": ("body", "webhook_url"), "msg": str(error), "type": "value_error"}]
        ) from error
    return checked


async def _subscription_sources(store: ReportStore, settings: Settings) -> list[dict[str, Any]]:
    indices = MonitorIndices(store.index)
    with store.translated_errors():
        response = await store.client.search(
            index=indices.subscriptions,
            size=LIST_LIMIT,
            ignore_unavailable=True,
            sort=[{"created_at": "asc"}, {"id": "asc"}],
            query={"match_all": {}},
        )
    return [hit["_source"] for hit in response["hits"]["hits"]]


def seal_secrets_at_start(settings: Settings) -> None:
    """`seal_stored_secrets` as the API starts. A cluster that does not answer then is logged, not
    fatal: the API still starts, and the watch loop seals the secrets at its own start."""
    if secret_box(settings) is None:  # a malformed key raises here: the API does not start with it
        return
    client = build_client(settings)
    try:
        seal_stored_secrets(client.options(request_timeout=REACHABILITY_TIMEOUT_S, max_retries=0), settings)
    except GovreportsError as error:
        log.warning("webhook secrets not sealed at start: %s", error)
    finally:
        client.close()
