"""Versioned physical indices behind one alias (``govreports`` -> ``govreports-v1``).

Searches and writes always name the alias. ``ensure_index`` creates the first
physical index with it; a reindex fills a fresh physical index
(``<alias>-v<N>-<timestamp>``) while the old one keeps serving, then moves the
alias in one atomic ``update_aliases`` call, so no search ever sees a half-built
index, and deletes the old index.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from govreports.errors import ConfigError
from govreports.es_client import create_index
from mappings import CURRENT_VERSION, fields_added_since, load_index_definition

# While a new index fills, nobody searches it: refreshing it would only slow the bulk writes.
FILLING_SETTINGS = {"index": {"refresh_interval": "-1"}}
SERVING_SETTINGS = {"index": {"refresh_interval": None}}  # back to the default (1 s)


def physical_name(alias: str, version: int = CURRENT_VERSION) -> str:
    return f"{alias}-v{version}"


def indices_behind(client: Elasticsearch, alias: str) -> list[str]:
    """The physical indices `alias` points at (none when the alias does not exist)."""
    try:
        return sorted(client.indices.get_alias(name=alias).body)
    except NotFoundError:
        return []


def ensure_index(client: Elasticsearch, alias: str) -> str:
    """Create the current physical index and `alias` unless the alias exists; return the index behind it."""
    current = indices_behind(client, alias)
    if current:
        # An index of an older mapping gets the fields added since (a no-op on a current one), so
        # this version's documents fit it while it serves until `--reindex` rebuilds it.
        client.indices.put_mapping(index=current[0], properties=fields_added_since(1))
        return current[0]
    if client.indices.exists(index=alias):
        raise ConfigError(
            f"{alias!r} is an index, not an alias: govreports keeps its data in versioned indices "
            f"behind an alias; delete that index or choose another GOVREPORTS_INDEX"
        )
    name = physical_name(alias)
    try:
        created = create_index(client, name, load_index_definition(), aliases={alias: {}})
    except BadRequestError as error:
        raise ConfigError(f"Elasticsearch refused to create the index {name}: {error}") from error
    if not created:
        # Another process created it first (or it survived without its alias): point the alias at it.
        client.indices.put_alias(index=name, name=alias)
    return name


def outdated_note(client: Elasticsearch, alias: str) -> str | None:
    """A line for the user when the index behind `alias` has an older mapping than this version writes.

    Such an index keeps working (each version only drops or adds what documents can live
    without), but it misses what the newer mapping gives until it is rebuilt.
    """
    for index in indices_behind(client, alias):
        mapping = client.indices.get_mapping(index=index)[index]["mappings"]
        version = mapping.get("_meta", {}).get("govreports_mapping_version", 1)
        if version < CURRENT_VERSION:
            return (
                f"note: {index} has mapping version {version}, this govreports writes version "
                f"{CURRENT_VERSION}; `govreports index --reindex` rebuilds it"
            )
    return None


def create_next_index(client: Elasticsearch, alias: str) -> str:
    """A new, empty physical index for a reindex, not yet behind the alias."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    name = f"{physical_name(alias)}-{stamp}"
    create_index(client, name, load_index_definition())
    client.indices.put_settings(index=name, settings=FILLING_SETTINGS)
    return name


def swap_alias(client: Elasticsearch, alias: str, new_index: str) -> list[str]:
    """Make `new_index` searchable, move `alias` to it atomically, delete the old indices; return them."""
    client.indices.put_settings(index=new_index, settings=SERVING_SETTINGS)
    client.indices.refresh(index=new_index)
    old = [index for index in indices_behind(client, alias) if index != new_index]
    actions: list[dict[str, Any]] = [{"remove": {"index": index, "alias": alias}} for index in old]
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(actions=actions)
    for index in old:
        client.indices.delete(index=index)
    return old
