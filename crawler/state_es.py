"""The crawl state in Elasticsearch: what every shard shares, so no file is locked over a network.

One index beside the reports, `<alias>-crawl-state` (created like every index, through
`create_index`), holds two kinds of record: `fetched` (one per URL: validators, hash,
first seen, last checked) and `delivered` (one per URL and sink: the hash that sink
received). Both carry the site that fetched them.

A process never asks Elasticsearch per request. It loads the rows of the sites it
crawls when their crawl starts (one scroll for a group of sites, so a shard reads only
its own hosts' rows), answers from memory, and writes back in bulk batches on a thread
of its own, and at `close`. A write that fails is kept as an error and `close` raises
it: reported, never silently lost.

`crawl-state.sqlite3` (`crawler.state.CrawlState`) stays the state of crawls with no
Elasticsearch (`crawl --out DIR`). The rule: the state lives where the reports go. An
existing SQLite state is copied into the index once (`import_sqlite_once`), never over
a newer row, so upgrading loses nobody's validators.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from crawler.state import STATE_FILE, ClosedOnExit, CrawlState, Known, StateStore, format_of
from govreports.errors import GovreportsError
from govreports.es_client import IndexSizing, build_client, create_index
from govreports.model import Format
from govreports.settings import Settings, get_settings

Record = Literal["fetched", "delivered"]
# Rows written together in one bulk request, and how long a written row may wait for its batch.
BATCH_ROWS = 500
FLUSH_SECONDS = 5.0
# Sites whose rows one scroll loads, and rows per scroll page.
SITES_PER_LOAD = 64
SCROLL_ROWS = 1000
# A batch whose bulk request failed as a whole is tried again this many times, this far apart.
WRITE_ATTEMPTS = 3
RETRY_SECONDS = 2.0

def crawl_state_index(alias: str) -> str:
    """The state's index, named from the report alias like the monitor's indices."""
    return f"{alias}-crawl-state"


@dataclass(frozen=True)
class EsStateTarget:
    """Where a process finds the state: picklable, so the crawl's child process gets it too."""

    settings: Settings
    index: str

    @classmethod
    def of(cls, settings: Settings) -> EsStateTarget:
        return cls(settings, crawl_state_index(settings.index))


def fetched_id(url: str) -> str:
    return "fetched:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def delivered_id(url: str, sink: str) -> str:
    return "delivered:" + hashlib.sha256(f"{sink}\n{url}".encode()).hexdigest()


def prepare_state_index(client: Elasticsearch, target: EsStateTarget, data_dir: Path) -> None:
    """Create the index on first use, sized as every index; copy an older SQLite state in, once."""
    try:
        if not client.indices.exists(index=target.index):
            create_index(client, target.index, _index_definition(),
                         sizing=IndexSizing.from_settings(target.settings))
        import_sqlite_once(client, target.index, data_dir / STATE_FILE)
    except (ApiError, TransportError) as error:
        raise GovreportsError(f"cannot prepare the crawl state {target.index}: {error}") from None


def _index_definition() -> dict[str, Any]:
    text = resources.files("mappings").joinpath("govreports-crawl-state.json").read_text(encoding="utf-8")
    definition: dict[str, Any] = json.loads(text)
    return definition


def import_sqlite_once(client: Elasticsearch, index: str, path: Path) -> int:
    """Copy the rows of a SQLite crawl state into the index; returns how many were new.

    Idempotent: a marker records the import, and each row is only created (`op_type`
    create), so a row a shard has written since is never put back to its older version.
    """
    marker = import_marker_id(path)
    if not path.exists() or client.exists(index=index, id=marker):
        return 0
    created = 0
    for ok, item in helpers.streaming_bulk(client, _sqlite_rows(path, index), raise_on_error=False,
                                           raise_on_exception=False, chunk_size=BATCH_ROWS):
        outcome = item.get("create", {})
        if ok:
            created += 1
        elif outcome.get("status") != 409:  # 409: the row is there already, newer or the same
            raise GovreportsError(f"cannot import {path} into {index}: {outcome.get('error')}")
    client.index(index=index, id=marker, refresh="wait_for",
                 document={"record": "import", "source": str(path), "fetched_at": _iso(_now())})
    return created


def import_marker_id(path: Path) -> str:
    """One marker per SQLite file (by its absolute path): each is imported once."""
    return "import:" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()


def _sqlite_rows(path: Path, index: str) -> Iterator[dict[str, Any]]:
    try:
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise GovreportsError(f"cannot read the crawl state {path}: {error}") from None
    try:
        fetched = database.execute(
            "SELECT url, site, kind, etag, last_modified, sha256, format, attachments, first_seen_at,"
            " fetched_at FROM fetched"
        )
        for url, site, kind, etag, modified, sha256, format, attachments, first_seen, checked in fetched:
            row = _fetched_row(url, site, kind, etag, modified, sha256, format, json.loads(attachments),
                               datetime.fromisoformat(first_seen), datetime.fromisoformat(checked))
            yield {"_op_type": "create", "_index": index, "_id": fetched_id(url), "_source": row}
        # A delivery belongs to the site that fetched its URL.
        delivered = database.execute(
            "SELECT d.url, d.sink, d.sha256, d.delivered_at, f.site FROM delivered d JOIN fetched f"
            " ON f.url = d.url"
        )
        for url, sink, sha256, at, site in delivered:
            row = _delivered_row(url, site, sink, sha256, datetime.fromisoformat(at))
            yield {"_op_type": "create", "_index": index, "_id": delivered_id(url, sink), "_source": row}
    except sqlite3.Error as error:
        raise GovreportsError(f"cannot read the crawl state {path}: {error}") from None
    finally:
        database.close()


class EsCrawlState(ClosedOnExit):
    """`crawler.state.CrawlState`'s interface over the shared index: load, answer from memory, write in bulk.

    `reads` says which rows this process loads: the crawl's fetching side (the Scrapy
    child) reads `fetched` rows, its importing side `delivered` ones.
    """

    def __init__(self, client: Elasticsearch, index: str, *, reads: Record) -> None:
        self.client, self.index = client, index
        self.reads = reads
        self._known: dict[str, Known] = {}
        self._sites: dict[str, str] = {}  # url → the site of its fetched row
        self._delivered: dict[tuple[str, str], str] = {}  # (url, sink) → sha256
        self._loaded: set[str] = set()
        self._pending: dict[str, dict[str, Any]] = {}  # _id → row, the latest version of each
        self._oldest: float | None = None
        self._forgotten: list[str] = []
        self._read_errors: list[str] = []
        self._writer = _BulkWriter(client, index)

    @classmethod
    def open(cls, target: EsStateTarget, *, reads: Record) -> EsCrawlState:
        return cls(build_client(target.settings), target.index, reads=reads)

    def load(self, sites: Collection[str]) -> None:
        """Bring the rows of `sites` into memory (each site once), a few dozen sites per scroll.

        Rows that cannot be read leave their sites crawled in full (nothing known), and the
        error is raised by `close`, so the crawl goes on and still says what went wrong."""
        wanted = sorted(set(sites) - self._loaded)
        for start in range(0, len(wanted), SITES_PER_LOAD):
            group = wanted[start:start + SITES_PER_LOAD]
            try:
                self._take_rows(self._scan(group))
            except GovreportsError as error:
                self._read_errors.append(str(error))
            self._loaded.update(group)

    def known(self, url: str) -> Known | None:
        return self._known.get(url)

    def confirm(self, url: str, at: datetime) -> None:
        """The server said the URL is unchanged (304): it counts as checked `at`."""
        known = self._known.get(url)
        if known is None:
            return
        self._keep(_replace_checked(known, at), self._sites.get(url, ""))

    def remember_document(self, url: str, *, site: str, sha256: str, format: Format, etag: str | None,
                          last_modified: str | None, fetched_at: datetime) -> datetime:
        """Record a fetched document; returns when the URL was first seen (kept across re-crawls)."""
        previous = self._known.get(url)
        first_seen = previous.first_seen_at if previous is not None else fetched_at
        known = Known(url, "document", etag, last_modified, sha256, format, first_seen, [], fetched_at)
        self._keep(known, site)
        return first_seen

    def remember_stub(self, url: str, *, site: str, attachments: list[str], etag: str | None,
                      last_modified: str | None, fetched_at: datetime) -> None:
        previous = self._known.get(url)
        first_seen = previous.first_seen_at if previous is not None else fetched_at
        self._keep(Known(url, "stub", etag, last_modified, None, None, first_seen, attachments, fetched_at),
                   site)

    def delivered(self, url: str, sink: str) -> str | None:
        """The hash of the version of `url` that `sink` last received, if any."""
        return self._delivered.get((url, sink))

    def mark_delivered(self, url: str, *, sink: str, sha256: str, at: datetime,
                       site: str | None = None) -> None:
        self._delivered[(url, sink)] = sha256
        owner = site if site is not None else self._sites.get(url, "")
        self._write(delivered_id(url, sink), _delivered_row(url, owner, sink, sha256, at))

    def forget_validators_of(self, sha256: str) -> None:
        """The documents with these bytes are asked for in full next time. Applied at `close`: by then
        the fetch that may have written their rows has ended, so its rows cannot put them back."""
        self._forgotten.append(sha256)
        for url, known in list(self._known.items()):
            if known.sha256 == sha256:
                self._known[url] = Known(url, known.kind, None, None, known.sha256, known.format,
                                         known.first_seen_at, known.attachments, known.checked_at)

    def close(self) -> None:
        """Write what is left and wait for it; raises when any read or write of this state failed."""
        self._hand_over()
        errors = self._read_errors + self._writer.close()
        errors += [error for sha256 in self._forgotten
                   if (error := forget_in_index(self.client, self.index, sha256)) is not None]
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise GovreportsError(f"crawl state {self.index}: {errors[0]}{more}")

    def _keep(self, known: Known, site: str) -> None:
        self._known[known.url] = known
        self._sites[known.url] = site
        checked = known.checked_at or known.first_seen_at
        row = _fetched_row(known.url, site, known.kind, known.etag, known.last_modified, known.sha256,
                           known.format, known.attachments, known.first_seen_at, checked)
        self._write(fetched_id(known.url), row)

    def _write(self, row_id: str, row: dict[str, Any]) -> None:
        self._pending[row_id] = row
        self._oldest = self._oldest or time.monotonic()
        if len(self._pending) >= BATCH_ROWS or time.monotonic() - self._oldest >= FLUSH_SECONDS:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            self._writer.submit(self._pending)
        self._pending, self._oldest = {}, None

    def _scan(self, sites: list[str]) -> Iterator[dict[str, Any]]:
        query = {"bool": {"filter": [{"term": {"record": self.reads}}, {"terms": {"site": sites}}]}}
        try:
            yield from helpers.scan(self.client, index=self.index, query={"query": query}, size=SCROLL_ROWS)
        except NotFoundError:
            return  # no state yet: everything is new
        except (ApiError, TransportError) as error:
            raise GovreportsError(f"cannot read the crawl state {self.index}: {error}") from None

    def _take_rows(self, hits: Iterator[dict[str, Any]]) -> None:
        for hit in hits:
            row = hit["_source"]
            if row["record"] == "fetched":
                self._known[row["url"]] = _known_of(row)
                self._sites[row["url"]] = row["site"]
            else:
                self._delivered[(row["url"], row["sink"])] = row["sha256"]


def forget_in_index(client: Elasticsearch, index: str, sha256: str) -> str | None:
    """Drop the validators of the fetched rows with these bytes; the error, if it failed.

    Found by their hash, then updated in bulk (not `_update_by_query`, which a node without
    the reindex module lacks)."""
    query = {"bool": {"filter": [{"term": {"record": "fetched"}}, {"term": {"sha256": sha256}}]}}
    try:
        hits = helpers.scan(client, index=index, query={"query": query}, _source=False, size=SCROLL_ROWS)
        updates = ({"_op_type": "update", "_index": index, "_id": hit["_id"],
                    "doc": {"etag": None, "last_modified": None}} for hit in hits)
        _, failed = helpers.bulk(client, updates, raise_on_error=False, refresh="wait_for")
    except NotFoundError:
        return None
    except (ApiError, TransportError) as error:
        return f"cannot forget the validators of {sha256}: {error}"
    if isinstance(failed, list) and failed:
        return f"cannot forget the validators of {sha256}: {len(failed)} row(s) refused"
    return None


class _BulkWriter:
    """Bulk requests on a thread of its own, so the caller (Scrapy's reactor) never waits on one."""

    def __init__(self, client: Elasticsearch, index: str) -> None:
        self.client, self.index = client, index
        self.errors: list[str] = []
        self._batches: queue.Queue[dict[str, dict[str, Any]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="crawl-state-writer", daemon=True)
        self._thread.start()

    def submit(self, rows: dict[str, dict[str, Any]]) -> None:
        self._batches.put(rows)

    def close(self) -> list[str]:
        self._batches.put(None)
        self._thread.join()
        return self.errors

    def _run(self) -> None:
        while (rows := self._batches.get()) is not None:
            self._send(rows)

    def _send(self, rows: dict[str, dict[str, Any]]) -> None:
        actions = [{"_index": self.index, "_id": row_id, "_source": row} for row_id, row in rows.items()]
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                # Refreshed before the bulk returns: the next crawl (or shard) loads what this one wrote.
                _, failed = helpers.bulk(self.client, actions, raise_on_error=False, refresh="wait_for",
                                         chunk_size=BATCH_ROWS)
            except (ApiError, TransportError, helpers.BulkIndexError) as error:
                if attempt == WRITE_ATTEMPTS:
                    self.errors.append(f"{len(actions)} row(s) not written: {error}")
                    return
                time.sleep(RETRY_SECONDS * attempt)
                continue
            if isinstance(failed, list) and failed:
                first: dict[str, Any] = next(iter(failed[0].values()), {})
                self.errors.append(f"{len(failed)} row(s) refused: {first.get('error')}")
            return


def _fetched_row(url: str, site: str, kind: str, etag: str | None, last_modified: str | None,
                 sha256: str | None, format: str | None, attachments: list[str], first_seen_at: datetime,
                 checked_at: datetime) -> dict[str, Any]:
    return {"record": "fetched", "url": url, "site": site, "kind": kind, "etag": etag,
            "last_modified": last_modified, "sha256": sha256, "format": format, "attachments": attachments,
            "first_seen_at": _iso(first_seen_at), "fetched_at": _iso(checked_at)}


def _delivered_row(url: str, site: str, sink: str, sha256: str, at: datetime) -> dict[str, Any]:
    return {"record": "delivered", "url": url, "site": site, "sink": sink, "sha256": sha256,
            "delivered_at": _iso(at)}


def _known_of(row: dict[str, Any]) -> Known:
    return Known(
        url=row["url"],
        kind=row["kind"],
        etag=row.get("etag"),
        last_modified=row.get("last_modified"),
        sha256=row.get("sha256"),
        format=format_of(row.get("format")),
        first_seen_at=datetime.fromisoformat(row["first_seen_at"]),
        attachments=list(row.get("attachments") or []),
        checked_at=datetime.fromisoformat(row["fetched_at"]),
    )


def _replace_checked(known: Known, at: datetime) -> Known:
    return Known(known.url, known.kind, known.etag, known.last_modified, known.sha256, known.format,
                 known.first_seen_at, known.attachments, at)


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


def forget_everywhere(sha256: str) -> str | None:
    """`forget_in_index` in the state of the configured index, if it has one; the error, if any."""
    settings = get_settings()
    try:
        client = build_client(settings)
        index = crawl_state_index(settings.index)
        if not client.indices.exists(index=index):
            return None
    except (ApiError, TransportError) as error:
        return f"cannot forget the validators of {sha256}: {error}"
    return forget_in_index(client, index, sha256)


def open_crawl_state(data_dir: Path, target: EsStateTarget | None, *,
                     reads: Record) -> StateStore:
    """The state of a crawl: in Elasticsearch when its reports go there (`target`), else the SQLite file."""
    if target is None:
        return CrawlState.in_data_dir(data_dir)
    return EsCrawlState.open(target, reads=reads)
