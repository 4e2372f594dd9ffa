"""The watch log: one document per (cycle, site) in `<alias>-watch`, served at /api/watch.

A site's run is written when it starts (`running`) and again when it ends (`ok`,
`failed` or `abandoned`), so a watch process that is killed leaves a trace; the
next cycle on the same host marks such orphans `abandoned`.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime
from typing import Any, Literal

from elasticsearch import Elasticsearch
from pydantic import BaseModel

from govreports.lifetime import process_alive
from monitor.clock import es_date
from monitor.indices import MonitorIndices
from monitor.scan import scan_hits

RunStatus = Literal["running", "ok", "failed", "abandoned"]


class SiteRun(BaseModel):
    cycle_id: str
    site: str
    status: RunStatus = "running"
    started_at: datetime
    finished_at: datetime | None = None
    fetched: int = 0
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None
    host: str
    pid: int

    @property
    def id(self) -> str:
        return f"{self.cycle_id}:{self.site}"

    def document(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        document["started_at"] = es_date(self.started_at)
        document["finished_at"] = None if self.finished_at is None else es_date(self.finished_at)
        return document


class Cycle(BaseModel):
    cycle_id: str
    started_at: datetime
    finished_at: datetime | None
    sites: list[SiteRun]


def new_cycle_id(started_at: datetime) -> str:
    # Sortable by time, unique across hosts.
    return f"{started_at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"


def start_run(cycle_id: str, site: str, now: datetime) -> SiteRun:
    return SiteRun(cycle_id=cycle_id, site=site, started_at=now, host=socket.gethostname(), pid=os.getpid())


def save_run(client: Elasticsearch, indices: MonitorIndices, run: SiteRun) -> None:
    client.index(index=indices.watch, id=run.id, document=run.document(), refresh=True)


def abandon_orphans(client: Elasticsearch, indices: MonitorIndices, now: datetime) -> list[str]:
    """Mark `running` runs left by dead watch processes on this host as abandoned; returns their ids."""
    host = socket.gethostname()
    query = {"bool": {"filter": [{"term": {"status": "running"}}, {"term": {"host": host}}]}}
    orphans = []
    for hit in scan_hits(client, indices.watch, query, [{"started_at": "asc"}, {"site": "asc"}]):
        run = SiteRun.model_validate(hit["_source"])
        if run.pid != os.getpid() and not process_alive(run.pid):
            run.status, run.finished_at, run.error = "abandoned", now, "the watch process stopped mid-run"
            save_run(client, indices, run)
            orphans.append(run.id)
    return orphans


def cycle_of(runs: list[SiteRun]) -> Cycle:
    """A cycle from its site runs: finished when every site run is."""
    ordered = sorted(runs, key=lambda run: run.started_at)
    ends = [run.finished_at for run in ordered]
    finished = None if any(end is None for end in ends) else max(end for end in ends if end is not None)
    return Cycle(
        cycle_id=ordered[0].cycle_id, started_at=ordered[0].started_at, finished_at=finished, sites=ordered
    )


def recent_cycles_body(cycles: int, site: str | None) -> dict[str, Any]:
    """The newest `cycles` cycles, each with all its site runs (one request: collapse + inner hits)."""
    query: dict[str, Any] = {"term": {"site": site}} if site else {"match_all": {}}
    return {
        "query": query,
        "sort": [{"started_at": "desc"}],
        "size": cycles,
        "collapse": {
            "field": "cycle_id",
            "inner_hits": {"name": "sites", "size": 100, "sort": [{"started_at": "asc"}, {"site": "asc"}]},
        },
    }


def cycles_from_response(response: dict[str, Any]) -> list[Cycle]:
    cycles = []
    for hit in response["hits"]["hits"]:
        inner = hit["inner_hits"]["sites"]["hits"]["hits"]
        cycles.append(cycle_of([SiteRun.model_validate(run["_source"]) for run in inner]))
    return cycles
