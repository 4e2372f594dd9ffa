"""The write lock between the index's writers and the last phase of `govreports index --reindex`.

A reindex fills a new physical index while the old one keeps serving. What writers
(a crawl's import, the watch loop, `govreports index`) write to the old index
meanwhile must reach the new one before the alias moves and the old index is
deleted. So the reindex's last phase (a final catch-up copy, then the swap) holds the
index alone, while ordinary writers share it among themselves: a readers-writer lock,
the writers in the role of the readers.

It lives in Elasticsearch, since crawlers may run on several machines: documents of
a small index ``<alias>-write-lock``, one ``writer-<uuid>`` per running writer and one
``reindex`` flag for a reindex that wants the index to itself.

- A writer registers its document, then reads the flag (a real-time GET). A reindex
  creates the flag (``op_type=create``: one reindex at a time), then refreshes the
  lock index and lists the writers. Whichever of the two comes second sees the
  other's document: the writer withdraws and waits, or the reindex waits for it.
- A writer reads the flag again before each batch, and steps aside (withdraws, waits
  for the flag to go, registers again) when it is up, so a reindex waits for at most
  one batch of each writer. Both waits are bounded, and end with a clear error.
- Every holder renews its document a few times a lease, by compare-and-swap on
  ``if_seq_no``/``if_primary_term``. A document that has not changed for a whole lease,
  by the clock of whoever is looking (the clocks of different machines are never
  compared), belongs to a crashed holder: it is deleted, by compare-and-swap again so
  that a renewal at that moment wins, and the wait goes on without it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import ApiError, BadRequestError, ConflictError, Elasticsearch, NotFoundError

from govreports.errors import GovreportsError
from govreports.es_client import UNREACHABLE

log = logging.getLogger("govreports.write_lock")
Kind = Literal["writer", "reindex"]
REINDEX_ID = "reindex"
LOCK_INDEX_DEFINITION: dict[str, Any] = {
    # A replica where there is a second node: the lock outlives the loss of one node.
    "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "kind": {"type": "keyword"},
            "owner": {"type": "keyword"},
            "renewed_at": {"type": "date"},
        },
    },
}
# Far more writers than ever run at once; the index refuses larger pages by default.
MOST_WRITERS = 10_000


class IndexBusy(GovreportsError):
    """The write lock could not be had in time (or was lost): nothing was written under it."""


@dataclass(frozen=True)
class LockTiming:
    lease_s: float = 60.0  # a holder unheard of for this long has crashed; renewed every third of it
    wait_s: float = 600.0  # the longest a writer waits for a reindex's last phase, or a reindex for writers
    poll_s: float = 0.5
    request_timeout_s: float = 10.0


@dataclass(frozen=True)
class Version:
    seq_no: int
    primary_term: int


@dataclass(frozen=True)
class LockDocument:
    id: str
    owner: str
    version: Version


def lock_index(alias: str) -> str:
    return f"{alias}-write-lock"


def this_process() -> str:
    """Who holds a lock document, for the messages of whoever waits on it."""
    return f"{socket.gethostname()} pid {os.getpid()}"


class LockStore:
    """The lock documents of one alias, and the compare-and-swap writes on them."""

    def __init__(self, client: Elasticsearch, alias: str, timing: LockTiming) -> None:
        self.client = client.options(request_timeout=timing.request_timeout_s)
        self.alias = alias
        self.index = lock_index(alias)
        self.timing = timing
        self._index_exists = False

    def ensure_index(self) -> None:
        if self._index_exists:
            return
        try:
            self.client.indices.create(index=self.index, **LOCK_INDEX_DEFINITION)
        except BadRequestError as error:
            if error.error != "resource_already_exists_exception":
                raise
        self._index_exists = True

    def create(self, doc_id: str, kind: Kind) -> Version:
        """Create the document; `ConflictError` when it exists."""
        self.ensure_index()
        response = self.client.index(index=self.index, id=doc_id, document=_body(kind), op_type="create")
        return Version(response["_seq_no"], response["_primary_term"])

    def renew(self, doc_id: str, kind: Kind, version: Version) -> Version:
        """Rewrite the document if it is still `version`; `ConflictError` when someone took it over."""
        response = self.client.index(
            index=self.index,
            id=doc_id,
            document=_body(kind),
            if_seq_no=version.seq_no,
            if_primary_term=version.primary_term,
        )
        return Version(response["_seq_no"], response["_primary_term"])

    def delete(self, doc_id: str, version: Version) -> None:
        """Delete the document if it is still `version`; one gone or renewed meanwhile is left be."""
        with suppress(ConflictError, NotFoundError):
            self.client.delete(
                index=self.index, id=doc_id, if_seq_no=version.seq_no, if_primary_term=version.primary_term
            )

    def get(self, doc_id: str) -> LockDocument | None:
        """The document as it is now (a real-time read: no refresh needed)."""
        try:
            hit = self.client.get(index=self.index, id=doc_id)
        except NotFoundError:
            return None
        return _document(hit.body)

    def writers(self) -> list[LockDocument]:
        """Every registered writer, as of now (the lock index is refreshed first)."""
        self.client.indices.refresh(index=self.index)
        response = self.client.search(
            index=self.index, query={"term": {"kind": "writer"}}, size=MOST_WRITERS, seq_no_primary_term=True
        )
        return [_document(hit) for hit in response["hits"]["hits"]]


class Lease:
    """A lock document this process holds, renewed in the background until it is released."""

    def __init__(self, store: LockStore, doc_id: str, kind: Kind, version: Version, created: float) -> None:
        self.store, self.id, self.kind = store, doc_id, kind
        self._version = version
        self._renewed = created  # when the last renewal was sent: no observer saw it earlier
        self._lost = False
        self._guard = threading.Lock()
        self._released = threading.Event()
        self._renewer = threading.Thread(
            target=self._renew_until_released, name=f"lease {doc_id}", daemon=True
        )
        self._renewer.start()

    @classmethod
    def take(cls, store: LockStore, doc_id: str, kind: Kind) -> Lease:
        """Create the document and hold it; `ConflictError` when it exists."""
        sent = time.monotonic()
        return cls(store, doc_id, kind, store.create(doc_id, kind), sent)

    @property
    def held(self) -> bool:
        """Never taken over, and renewed recently enough that no one can think its holder crashed.

        An observer gives up on a document one whole lease after it first saw its version,
        which is after the renewal was sent; half a lease leaves room for clock drift.
        """
        with self._guard:
            return not self._lost and time.monotonic() - self._renewed < self.store.timing.lease_s / 2

    def ensure_held(self) -> None:
        if not self.held:
            raise IndexBusy(
                f"the write lock of {self.store.alias} was lost (this process stalled, or Elasticsearch "
                f"did not answer, for longer than its lease of {self.store.timing.lease_s:.0f} s)"
            )

    def release(self) -> None:
        """Withdraw the document; if Elasticsearch does not answer, it expires by itself."""
        self._released.set()
        self._renewer.join()
        with self._guard:
            if self._lost:
                return
            version = self._version
        try:
            self.store.delete(self.id, version)
        except (*UNREACHABLE, ApiError) as error:
            log.warning("could not withdraw the write lock %s (%s): it expires by itself", self.id, error)

    def _renew_until_released(self) -> None:
        while not self._released.wait(self.store.timing.lease_s / 3):
            sent = time.monotonic()
            try:
                version = self.store.renew(self.id, self.kind, self._version)
            except (ConflictError, NotFoundError):
                with self._guard:
                    self._lost = True  # judged crashed and removed: `held` says so from now on
                return
            except (*UNREACHABLE, ApiError):
                continue  # tried again at the next tick; `held` turns false if it never comes back
            with self._guard:
                self._version, self._renewed = version, sent


class Staleness:
    """Which lock documents have not changed for a whole lease, by this process's clock."""

    def __init__(self, lease_s: float) -> None:
        self.lease_s = lease_s
        self._first_seen: dict[str, tuple[Version, float]] = {}

    def is_stale(self, document: LockDocument) -> bool:
        now = time.monotonic()
        seen = self._first_seen.get(document.id)
        if seen is None or seen[0] != document.version:
            self._first_seen[document.id] = (document.version, now)
            return False
        return now - seen[1] >= self.lease_s


class WriterSession:
    """A writer's share of the index: call `checkpoint` before each batch it writes.

    Lock requests fail as the client's requests do (connection errors, `ApiError`), so a
    caller can retry `checkpoint` as it retries its writes; `IndexBusy` is final.
    """

    def __init__(self, lock: WriteLock) -> None:
        self._lock = lock
        self._lease: Lease | None = None

    def checkpoint(self) -> None:
        """Register (the first time), or step aside for a reindex that asks for the index and come back."""
        if self._lease is not None:
            if self._lease.held and self._lock.store.get(REINDEX_ID) is None:
                return
            self._lease.release()
            self._lease = None
        self._lease = self._lock.register_writer()

    def close(self) -> None:
        if self._lease is not None:
            self._lease.release()


class WriteLock:
    """The lock of one alias: shared by writers (`writing`), exclusive for a reindex (`exclusive`)."""

    def __init__(self, client: Elasticsearch, alias: str, timing: LockTiming | None = None) -> None:
        self.store = LockStore(client, alias, timing or LockTiming())
        self.alias = alias
        self.timing = self.store.timing

    @contextmanager
    def writing(self) -> Iterator[WriterSession]:
        session = WriterSession(self)
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def exclusive(self) -> Iterator[Lease]:
        """The index to this process alone: no writer writes until the block ends.

        Call `ensure_held()` on the lease right before the step that must not race a writer.
        """
        deadline = time.monotonic() + self.timing.wait_s
        flag = self._take_flag(deadline)
        try:
            self._wait_for_writers(deadline)
            yield flag
        finally:
            flag.release()

    def register_writer(self) -> Lease:
        """A writer's document, registered once no reindex holds (or asks for) the index."""
        deadline = time.monotonic() + self.timing.wait_s
        staleness = Staleness(self.timing.lease_s)
        while True:
            self._wait_out_reindex(deadline, staleness)
            lease = Lease.take(self.store, f"writer-{uuid.uuid4().hex}", "writer")
            try:
                reindex_asked = self.store.get(REINDEX_ID) is not None
            except BaseException:
                lease.release()  # not left renewing a registration nobody uses
                raise
            if not reindex_asked:
                return lease
            lease.release()  # a reindex asked in between: it goes first

    def _wait_out_reindex(self, deadline: float, staleness: Staleness) -> None:
        told = False
        while (flag := self.store.get(REINDEX_ID)) is not None:
            if staleness.is_stale(flag):
                log.warning("the reindex of %s by %s stopped renewing its lock: taken as crashed", self.alias,
                            flag.owner)
                self.store.delete(flag.id, flag.version)
                continue
            if not told:
                log.warning("waiting for the reindex of %s by %s to swap the alias", self.alias, flag.owner)
                told = True
            self._pause(deadline, f"the reindex of {self.alias} by {flag.owner} to finish")

    def _take_flag(self, deadline: float) -> Lease:
        staleness = Staleness(self.timing.lease_s)
        told = False
        while True:
            try:
                return Lease.take(self.store, REINDEX_ID, "reindex")
            except ConflictError:
                pass
            holder = self.store.get(REINDEX_ID)
            if holder is None:
                continue  # released in between: try again at once
            if staleness.is_stale(holder):
                self.store.delete(holder.id, holder.version)
                continue
            if not told:
                log.warning("waiting for another reindex of %s (%s)", self.alias, holder.owner)
                told = True
            self._pause(deadline, f"another reindex of {self.alias} (by {holder.owner}) to finish")

    def _wait_for_writers(self, deadline: float) -> None:
        staleness = Staleness(self.timing.lease_s)
        told = False
        while True:
            live = []
            for writer in self.store.writers():
                if staleness.is_stale(writer):
                    self.store.delete(writer.id, writer.version)
                else:
                    live.append(writer)
            if not live:
                return
            owners = ", ".join(sorted({writer.owner for writer in live}))
            if not told:
                log.warning("waiting for %d writer(s) of %s to step aside: %s", len(live), self.alias, owners)
                told = True
            self._pause(deadline, f"{len(live)} writer(s) of {self.alias} to step aside ({owners})")

    def _pause(self, deadline: float, waiting_for: str) -> None:
        if time.monotonic() >= deadline:
            raise IndexBusy(
                f"waited {self.timing.wait_s:.0f} s for {waiting_for}; nothing was written, "
                "run the same command again later"
            )
        time.sleep(self.timing.poll_s)


def _body(kind: Kind) -> dict[str, str]:
    return {"kind": kind, "owner": this_process(), "renewed_at": datetime.now(UTC).isoformat()}


def _document(hit: dict[str, Any]) -> LockDocument:
    return LockDocument(hit["_id"], hit["_source"]["owner"], Version(hit["_seq_no"], hit["_primary_term"]))

