"""The crawl state: what was fetched, with which validators and hash, and what was handed on.

Two stores answer the same questions (`StateStore`): the Elasticsearch index every shard
shares (`crawler.state_es`), for crawls whose reports go to Elasticsearch, and the SQLite
file `data_dir/crawl-state.sqlite3` here, for crawls with no Elasticsearch (`--out DIR`).
The state lives where the reports go. Two questions live here:
- fetching: may this URL be asked for conditionally (ETag/Last-Modified), and did its
  bytes change since the last fetch? (`fetched`, written by the crawl's pipeline)
- delivery: which version of each document has a sink (an index, an `--out` folder)
  already received? (`delivered`, written after a successful import) — so a document
  whose import failed is handed on again by the next crawl even though it is unchanged.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from govreports.errors import GovreportsError
from govreports.model import Format

STATE_FILE = "crawl-state.sqlite3"

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('document', 'stub')),
    etag TEXT,
    last_modified TEXT,
    sha256 TEXT,
    format TEXT,
    attachments TEXT NOT NULL DEFAULT '[]',
    first_seen_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivered (
    url TEXT NOT NULL,
    sink TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    PRIMARY KEY (url, sink)
);
"""


@dataclass(frozen=True)
class Known:
    """The last fetch of one URL."""

    url: str
    kind: str
    etag: str | None
    last_modified: str | None
    sha256: str | None
    format: Format | None
    first_seen_at: datetime
    attachments: list[str] = field(default_factory=list)
    # When it was last fetched or answered 304 (`confirm`): a recent one need not be asked again.
    checked_at: datetime | None = field(default=None, compare=False)


def conditional_headers(known: Known | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the last fetch, so an unchanged document costs a 304."""
    if known is None:
        return {}
    headers: dict[str, str] = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


class StateStore(Protocol):
    """What the crawl asks of its state, whichever store keeps it."""

    def load(self, sites: Collection[str]) -> None: ...

    def known(self, url: str) -> Known | None: ...

    def confirm(self, url: str, at: datetime) -> None: ...

    def remember_document(self, url: str, *, site: str, sha256: str, format: Format, etag: str | None,
                          last_modified: str | None, fetched_at: datetime) -> datetime: ...

    def remember_stub(self, url: str, *, site: str, attachments: list[str], etag: str | None,
                      last_modified: str | None, fetched_at: datetime) -> None: ...

    def delivered(self, url: str, sink: str) -> str | None: ...

    def mark_delivered(self, url: str, *, sink: str, sha256: str, at: datetime,
                       site: str | None = None) -> None: ...

    def forget_validators_of(self, sha256: str) -> None: ...

    def close(self) -> None: ...


class ClosedOnExit:
    """`with store:` closes the store however the block ends (both crawl-state stores)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class CrawlState(ClosedOnExit):
    """The SQLite store: every answer is a query of the file, every write committed at once."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise GovreportsError(f"cannot open the crawl state {path}: {error}") from None

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> CrawlState:
        return cls(data_dir / STATE_FILE)

    def close(self) -> None:
        self._db.close()

    def load(self, sites: Collection[str]) -> None:
        """Nothing to load: the file answers each question."""

    def known(self, url: str) -> Known | None:
        row = self._db.execute(
            "SELECT url, kind, etag, last_modified, sha256, format, first_seen_at, attachments, fetched_at"
            " FROM fetched WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        return Known(
            url=row[0],
            kind=row[1],
            etag=row[2],
            last_modified=row[3],
            sha256=row[4],
            format=format_of(row[5]),
            first_seen_at=datetime.fromisoformat(row[6]),
            attachments=json.loads(row[7]),
            checked_at=datetime.fromisoformat(row[8]),
        )

    def confirm(self, url: str, at: datetime) -> None:
        """The server said the URL is unchanged (304): it counts as checked `at`."""
        with self._writing():
            self._db.execute("UPDATE fetched SET fetched_at = ? WHERE url = ?", (at.isoformat(), url))

    def remember_document(
        self,
        url: str,
        *,
        site: str,
        sha256: str,
        format: Format,
        etag: str | None,
        last_modified: str | None,
        fetched_at: datetime,
    ) -> datetime:
        """Record a fetched document; returns when the URL was first seen (kept across re-crawls)."""
        return self._remember(url, site, "document", etag, last_modified, sha256, format, [], fetched_at)

    def remember_stub(
        self,
        url: str,
        *,
        site: str,
        attachments: list[str],
        etag: str | None,
        last_modified: str | None,
        fetched_at: datetime,
    ) -> None:
        self._remember(url, site, "stub", etag, last_modified, None, None, attachments, fetched_at)

    def delivered(self, url: str, sink: str) -> str | None:
        """The hash of the version of `url` that `sink` last received, if any."""
        row = self._db.execute(
            "SELECT sha256 FROM delivered WHERE url = ? AND sink = ?", (url, sink)
        ).fetchone()
        return str(row[0]) if row else None

    def forget_validators_of(self, sha256: str) -> None:
        """The next crawl asks for the documents with these bytes unconditionally: their archived copy
        is damaged, and a 304 would keep it so."""
        with self._writing():
            self._db.execute(
                "UPDATE fetched SET etag = NULL, last_modified = NULL WHERE sha256 = ?", (sha256,)
            )

    def mark_delivered(self, url: str, *, sink: str, sha256: str, at: datetime,
                       site: str | None = None) -> None:
        with self._writing():
            self._db.execute(
                "INSERT INTO delivered (url, sink, sha256, delivered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (url, sink) DO UPDATE SET sha256 = excluded.sha256,"
                " delivered_at = excluded.delivered_at",
                (url, sink, sha256, at.isoformat()),
            )

    def _remember(
        self,
        url: str,
        site: str,
        kind: str,
        etag: str | None,
        last_modified: str | None,
        sha256: str | None,
        format: str | None,
        attachments: list[str],
        fetched_at: datetime,
    ) -> datetime:
        with self._writing():
            self._db.execute(
                "INSERT INTO fetched (url, site, kind, etag, last_modified, sha256, format, attachments,"
                " first_seen_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET site = excluded.site, kind = excluded.kind,"
                " etag = excluded.etag, last_modified = excluded.last_modified, sha256 = excluded.sha256,"
                " format = excluded.format, attachments = excluded.attachments,"
                " fetched_at = excluded.fetched_at",
                (url, site, kind, etag, last_modified, sha256, format, json.dumps(attachments),
                 fetched_at.isoformat(), fetched_at.isoformat()),
            )
            row = self._db.execute("SELECT first_seen_at FROM fetched WHERE url = ?", (url,)).fetchone()
        return datetime.fromisoformat(row[0])

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            with self._db:
                yield
        except sqlite3.Error as error:
            raise GovreportsError(f"cannot write the crawl state: {error}") from None


def refetch_in_full(data_dir: Path, sha256: str) -> None:
    """`forget_validators_of` in both stores: the SQLite file of `data_dir`, if there is one, and the
    Elasticsearch state of the configured index, if there is one (a failure there is logged: the
    crawl that meets the damaged object forgets its validators again)."""
    from crawler.state_es import forget_everywhere  # here: this module stays free of Elasticsearch

    path = data_dir / STATE_FILE
    if path.exists():
        with CrawlState(path) as state:
            state.forget_validators_of(sha256)
    error = forget_everywhere(sha256)
    if error is not None:
        log.warning("%s", error)


_FORMATS: dict[str, Format] = {"html": "html", "pdf": "pdf", "docx": "docx", "doc": "doc", "txt": "txt"}


def format_of(value: str | None) -> Format | None:
    return _FORMATS.get(value) if value else None
