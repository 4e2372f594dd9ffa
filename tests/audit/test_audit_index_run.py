"""The audit runs after every index run, and `--reindex` audits the rebuilt index before the alias
moves; an index of the older mapping takes the new fields in place until it is rebuilt."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from audit.run import after_index
from audit.store import AuditIndices
from govreports.model import Region
from govreports.settings import Settings
from indexer import run
from indexer.lifecycle import ensure_index, indices_behind
from indexer.synthetic import random_report, render
from indexer.synthetic.series import corpus, reports_of
from indexer.writer import index_reports
from mappings import load_index_definition

pytestmark = pytest.mark.es

HONGZE = Region(province="江苏省", city="淮安市", county="洪泽区")


def audit_hook(
    client: Elasticsearch, settings: Settings, calls: list[tuple[str, list[str] | None]]
) -> run.Options:
    def audit(index: str, touched: list[str] | None) -> None:
        calls.append((index, touched))
        after_index(client, settings, index, touched)

    return run.Options(workers=1, audit=audit)


def write_reports(folder: Path) -> None:
    rng = random.Random(4)
    for year, printed in (
        (2021, "淮安市洪泽区财政局"),
        (2022, "洪泽区财政局"),
        (2023, "江苏省淮安市洪泽区财政局"),
    ):
        report = random_report(
            rng, template="2021", year=year, office=printed, region=HONGZE, level="department"
        )
        (folder / f"{year}.txt").write_bytes(render(report, "tab_rows"))


@pytest.mark.timeout(300)
def test_an_index_run_audits_what_it_wrote(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    write_reports(folder)
    calls: list[tuple[str, list[str] | None]] = []
    result = run.index_paths(
        es_client, es_index, tmp_path, [folder], audit_hook(es_client, es_settings, calls)
    )

    assert calls == [(es_index, result.written)] and len(result.written) == 3
    hits = es_client.search(index=es_index, size=10)["hits"]["hits"]
    assert len({hit["_source"]["office_id"] for hit in hits}) == 1  # three prefixes, one office
    assert all(hit["_source"]["timeliness"]["status"] in ("on_time", "late", "unknown") for hit in hits)
    offices = es_client.search(index=AuditIndices(es_index).offices)["hits"]["hits"]
    assert [(office["_source"]["years"], office["_source"]["name"]) for office in offices] == [
        ([2021, 2022, 2023], "江苏省淮安市洪泽区财政局")
    ]
    # Indexed again (a newer parser, say) without an audit: the writer keeps what the audit wrote.
    (folder / "2022.txt").touch()  # a new modification time: the file is done again
    again = run.index_paths(es_client, es_index, tmp_path, [folder / "2022.txt"], run.Options(workers=1))
    assert again.summary.unchanged == 1
    es_client.indices.refresh(index=es_index)
    assert all(
        hit["_source"]["cross_year"] for hit in es_client.search(index=es_index, size=10)["hits"]["hits"]
    )


@pytest.mark.timeout(300)
def test_reindex_from_the_older_mapping_audits_the_new_index_before_the_swap(
    es_client: Elasticsearch, es_settings: Settings, es_index: str, tmp_path: Path
) -> None:
    older = f"{es_index}-v2"
    es_client.indices.create(index=older, aliases={es_index: {}}, **load_index_definition(2))
    reports = reports_of(corpus(seed=31, offices=6, departing=1.0))
    # This version writes to the older index: it took the audit's fields in place.
    assert index_reports(es_client, es_index, reports).failed == 0
    assert "office_id" in es_client.indices.get_mapping(index=older)[older]["mappings"]["properties"]

    calls: list[tuple[str, list[str] | None]] = []
    run.reindex(es_client, es_index, tmp_path, audit_hook(es_client, es_settings, calls))

    (rebuilt,) = indices_behind(es_client, es_index)
    assert calls == [(rebuilt, None)]  # the whole new index, before it served
    mapping = es_client.indices.get_mapping(index=rebuilt)[rebuilt]["mappings"]
    assert mapping["_meta"]["govreports_mapping_version"] == 3
    hits = es_client.search(index=es_index, size=100)["hits"]["hits"]
    assert len(hits) == len(reports)
    assert all(hit["_source"]["timeliness"] and hit["_source"]["office_id"] for hit in hits)
    assert es_client.count(index=AuditIndices(es_index).findings)["count"] > 0


def test_ensure_index_adds_nothing_to_a_current_index(es_client: Elasticsearch, es_index: str) -> None:
    name = ensure_index(es_client, es_index)
    before = es_client.indices.get_mapping(index=name)[name]["mappings"]
    assert ensure_index(es_client, es_index) == name
    assert es_client.indices.get_mapping(index=name)[name]["mappings"] == before
    assert "reuse" in before["properties"]  # the audit's fields are in the current mapping from the start
