"""The raw-document archive: fetched bytes, content-addressed, plus one metadata line each.

Layout under ``GOVREPORTS_DATA_DIR/archive``:
  objects/<sha256[:2]>/<sha256>   the bytes as fetched
  documents.jsonl                 one `ArchivedDocument` per fetch, append-only

Written by the crawler before parsing, read by ``govreports index --from-archive``
so a parser improvement can re-index everything without crawling again.

Both survive a crash mid-write (see `govreports.append_log`): objects are written
under a temporary name of their writer's own, fsynced, then renamed; a torn line of
the log is skipped and reported. An object is checked against its hash whenever it
is read or stored again, so a damaged one is found, and replaced by the next fetch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from govreports.append_log import append_line, read_records, write_file_atomically
from govreports.errors import GovreportsError
from govreports.model import Format, Level, Origin, Provenance, Region


class DamagedObject(GovreportsError):
    """An archived object is missing, or its bytes no longer hash to its name."""


class ArchivedDocument(BaseModel):
    sha256: str
    format: Format
    source_url: str
    source_site: str | None = None
    region: Region = Region()
    level: Level | None = None
    fetched_at: datetime
    provenance: Provenance | None = None

    @classmethod
    def of(cls, sha256: str, format: Format, origin: Origin) -> ArchivedDocument:
        """The archive's record of a fetched document: a URL and a fetch time it always has."""
        if origin.url is None or origin.fetched_at is None:
            raise ValueError("an archived document has the URL and the time it was fetched")
        return cls(sha256=sha256, format=format, source_url=origin.url, source_site=origin.site,
                   region=origin.region or Region(), level=origin.level, fetched_at=origin.fetched_at,
                   provenance=origin.provenance)  # fmt: skip

    @property
    def origin(self) -> Origin:
        return Origin(url=self.source_url, site=self.source_site, region=self.region, level=self.level,
                      fetched_at=self.fetched_at, provenance=self.provenance)  # fmt: skip


class Archive:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "archive"
        self.objects = self.root / "objects"
        self.log = self.root / "documents.jsonl"

    def path_of(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def put_bytes(self, data: bytes) -> str:
        """Store bytes once (by hash) and return the hash; an intact existing object is not rewritten."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_of(sha256)
        if not _holds(path, sha256):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomically(path, data)
        return sha256

    def record(self, document: ArchivedDocument) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        append_line(self.log, document.model_dump_json())

    def read_bytes(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; `DamagedObject` when they are gone or no longer hash to it."""
        try:
            data = self.path_of(sha256).read_bytes()
        except FileNotFoundError:
            raise DamagedObject(f"archive object {sha256} is missing") from None
        if (actual := hashlib.sha256(data).hexdigest()) != sha256:
            raise DamagedObject(f"archive object {sha256} is damaged: its {len(data)} bytes hash to {actual}")
        return data

    def latest(self) -> Iterator[ArchivedDocument]:
        """The newest archived fetch of each source URL, in first-archived order."""
        if not self.log.exists():
            return
        newest: dict[str, ArchivedDocument] = {}
        for document in read_records(self.log, ArchivedDocument.model_validate_json):
            newest[document.source_url] = document
        yield from newest.values()


def _holds(path: Path, sha256: str) -> bool:
    """Whether `path` exists with exactly the bytes of that hash."""
    try:
        with path.open("rb") as stored:
            return hashlib.file_digest(stored, "sha256").hexdigest() == sha256
    except FileNotFoundError:
        return False
