"""The monitor's own indices beside the reports: `<alias>-subscriptions`, -deliveries, -versions, -watch.

Each has an explicit strict mapping in ``mappings/govreports-<kind>.json``, created
on first use; a document that does not fit is refused instead of silently widening it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch, Elasticsearch

from govreports.es_client import create_index, create_index_async

Kind = Literal["subscriptions", "deliveries", "versions", "watch"]
KINDS: tuple[Kind, ...] = ("subscriptions", "deliveries", "versions", "watch")


@dataclass(frozen=True)
class MonitorIndices:
    """Index names derived from the report alias, so each deployment (and each test) has its own."""

    alias: str

    @property
    def reports(self) -> str:
        return self.alias

    def name(self, kind: Kind) -> str:
        return f"{self.alias}-{kind}"

    @property
    def subscriptions(self) -> str:
        return self.name("subscriptions")

    @property
    def deliveries(self) -> str:
        return self.name("deliveries")

    @property
    def versions(self) -> str:
        return self.name("versions")

    @property
    def watch(self) -> str:
        return self.name("watch")

    def all(self) -> list[str]:
        return [self.name(kind) for kind in KINDS]


def index_definition(kind: Kind) -> dict[str, Any]:
    text = resources.files("mappings").joinpath(f"govreports-{kind}.json").read_text(encoding="utf-8")
    definition: dict[str, Any] = json.loads(text)
    return definition


def ensure_indices(client: Elasticsearch, indices: MonitorIndices) -> None:
    """Create whichever monitor index is missing, sized as every index is (`create_index`)."""
    for kind in KINDS:
        name = indices.name(kind)
        if not client.indices.exists(index=name):
            create_index(client, name, index_definition(kind))


async def ensure_indices_async(client: AsyncElasticsearch, indices: MonitorIndices, *kinds: Kind) -> None:
    """`ensure_indices` for the API's async client, limited to the `kinds` a route writes to."""
    for kind in kinds or KINDS:
        name = indices.name(kind)
        if not await client.indices.exists(index=name):
            await create_index_async(client, name, index_definition(kind))
