"""A crawl that indexes into the real local Elasticsearch (a private index per test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.portals import PortalServer, build_portals
from crawler.run import crawl
from govreports.settings import Settings


@pytest.mark.es
def test_crawled_reports_are_indexed_once_and_then_unchanged(
    es_client: Elasticsearch, es_settings: Settings, tmp_path: Path
) -> None:
    settings = es_settings.model_copy(update={"data_dir": tmp_path / "data"})
    with PortalServer([build_portals(17, reports=3)[0]]) as server:
        portal = server.portal("trs")
        first = crawl(settings, server.sites(), es_client=es_client, polite=False)
        es_client.indices.refresh(index=settings.index)
        fields = ["source_url", "source_site"]
        stored = es_client.search(index=settings.index, size=10, source_includes=fields)
        second = crawl(settings, server.sites(), es_client=es_client, polite=False)
    assert (first.new, first.revised, first.unchanged, first.failed) == (3, 0, 0, 1)  # the 404 link
    assert first.index == {"new": 3, "revised": 0, "unchanged": 0, "failed": 0}
    hits = stored["hits"]["hits"]
    assert {hit["_source"]["source_url"] for hit in hits} == portal.truth().reports
    assert {hit["_source"]["source_site"] for hit in hits} == {"trs"}
    assert (second.new, second.unchanged) == (0, 3)
    assert second.index == {"new": 0, "revised": 0, "unchanged": 0, "failed": 0}  # nothing re-sent
