"""Where parsed reports go: the Elasticsearch index, or JSON Lines files (`--out DIR`).

Each sink has a `key` naming the destination, so the crawl state can remember which
version of each document every destination has received.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from elasticsearch import Elasticsearch

from audit.store import mark_pending
from govreports.errors import GovreportsError
from govreports.es_client import ensure_reachable
from govreports.model import Report
from govreports.redaction import without_credentials
from indexer.lifecycle import ensure_index
from indexer.writer import IndexSummary, index_reports


class Sink(Protocol):
    key: str

    def write(self, reports: Sequence[Report]) -> dict[str, str]:
        """Hand the reports on; returns the reasons of those refused, by report id."""
        ...


class JsonLinesSink:
    """One `<site>.jsonl` per portal in `directory`, one report per line, appended."""

    def __init__(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GovreportsError(f"cannot create the output folder {directory}: {error.strerror}") from None
        self.directory = directory
        self.key = f"jsonl:{directory.resolve()}"

    def write(self, reports: Sequence[Report]) -> dict[str, str]:
        by_site: dict[str, list[Report]] = defaultdict(list)
        for report in reports:
            by_site[report.source_site or "unknown"].append(report)
        for site, site_reports in by_site.items():
            path = self.directory / f"{site}.jsonl"
            try:
                with path.open("a", encoding="utf-8") as out:
                    out.writelines(report.model_dump_json() + "\n" for report in site_reports)
            except OSError as error:
                raise GovreportsError(f"cannot write {path}: {error.strerror}") from None
        return {}


class ElasticsearchSink:
    """The search index behind `alias`, through the indexer's idempotent writer."""

    def __init__(self, client: Elasticsearch, alias: str, es_url: str) -> None:
        self.client = client
        self.alias = alias
        self.es_url = es_url
        # Kept in the crawl state on disk: the node's address, never its credentials.
        self.key = f"es:{without_credentials(es_url).rstrip('/')}/{alias}"
        self.summary = IndexSummary()

    def prepare(self) -> None:
        """Fail before crawling when the cluster does not answer; create the index on first use."""
        ensure_reachable(self.client, self.es_url)
        ensure_index(self.client, self.alias)

    def write(self, reports: Sequence[Report]) -> dict[str, str]:
        summary = index_reports(self.client, self.alias, reports)
        for outcome in summary.outcomes:
            self.summary.add(outcome)
        # For the audit after the crawl (or a later one): a revised report keeps its old audit fields.
        written = [outcome.id for outcome in summary.outcomes if outcome.id and outcome.status != "failed"]
        mark_pending(self.client, self.alias, written)
        return {outcome.id or "": outcome.error or "refused" for outcome in summary.outcomes
                if outcome.status == "failed"}
