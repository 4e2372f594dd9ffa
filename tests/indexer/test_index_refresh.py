"""Bulk loads into the live index run without refreshes, and the index's interval comes back after;
the writer's retries last long enough for a cluster to lose a node and elect a master."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from indexer import run
from indexer.lifecycle import ensure_index
from indexer.synthetic import random_report, render
from indexer.writer import PAUSED_REFRESH, RetryPolicy, refresh_paused

# A node's loss noticed (up to 30 s for a hung node), then a master elected (up to about 30 s).
NODE_LOSS_AND_ELECTION_S = 90


def refresh_interval(client: Elasticsearch, alias: str) -> str | None:
    """The interval the index behind `alias` was given; None: the default (nothing is listed then)."""
    answer = client.indices.get_settings(index=alias, name="index.refresh_interval").body
    for settings in answer.values():
        interval: str = settings["settings"]["index"]["refresh_interval"]
        return interval
    return None


def test_the_retry_budget_outlasts_a_node_loss_and_a_master_election() -> None:
    assert sum(RetryPolicy().delays()) >= NODE_LOSS_AND_ELECTION_S


@pytest.mark.es
def test_refresh_is_off_during_the_block_and_its_own_interval_is_back_after(
    es_client: Elasticsearch, es_index: str
) -> None:
    physical = ensure_index(es_client, es_index)
    es_client.indices.put_settings(index=physical, settings={"index": {"refresh_interval": "7s"}})

    with refresh_paused(es_client, es_index):
        during = refresh_interval(es_client, es_index)
        es_client.index(index=es_index, id="a", document={"id": "a", "content_sha256": "x", "format": "txt"})

    assert during == PAUSED_REFRESH
    assert refresh_interval(es_client, es_index) == "7s"
    assert es_client.count(index=es_index)["count"] == 1  # refreshed on the way out


@pytest.mark.es
def test_refresh_comes_back_when_the_load_fails(es_client: Elasticsearch, es_index: str) -> None:
    ensure_index(es_client, es_index)

    with pytest.raises(RuntimeError), refresh_paused(es_client, es_index):
        raise RuntimeError("the load broke")

    assert refresh_interval(es_client, es_index) is None


@pytest.mark.es
def test_a_pause_left_by_a_killed_run_is_not_taken_for_the_interval(
    es_client: Elasticsearch, es_index: str
) -> None:
    physical = ensure_index(es_client, es_index)
    es_client.indices.put_settings(index=physical, settings={"index": {"refresh_interval": PAUSED_REFRESH}})

    with refresh_paused(es_client, es_index):
        pass

    assert refresh_interval(es_client, es_index) is None


@pytest.mark.es
def test_a_plain_index_run_loads_with_refresh_off(
    es_client: Elasticsearch, es_index: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    rng = random.Random(5)
    for n in range(6):
        (folder / f"{n}.txt").write_bytes(render(random_report(rng), "tab_rows"))
    seen: list[str | None] = []

    def listener() -> Callable[[list[dict[str, Any]]], None]:
        return lambda _written: seen.append(refresh_interval(es_client, es_index))

    options = run.Options(batch_size=2, workers=1, listener=listener)
    result = run.index_paths(es_client, es_index, tmp_path / "data", [folder], options)

    assert result.summary.new == 6
    assert seen == [PAUSED_REFRESH] * 3
    assert refresh_interval(es_client, es_index) is None
    assert es_client.count(index=es_index)["count"] == 6  # searchable as soon as the run is over
