"""The raw-document archive: fetched bytes, content-addressed, plus one metadata line each.

Layout under ``GOVREPORTS_DATA_DIR/archive``:
  objects/<sha256[:2]>/<sha256>   the bytes as fetched
  documents.jsonl                 one `ArchivedDocument` per fetch, append-only

Written by the crawler before parsing, read by ``govreports index --from-archive``
so a parser improvement can re-index everything without crawling again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from govreports.model import Format, Level, Provenance, Region


class ArchivedDocument(BaseModel):
    sha256: str
    format: Format
    source_url: str
    source_site: str | None = None
    region: Region = Region()
    level: Level | None = None
    fetched_at: datetime
    provenance: Provenance | None = None


class Archive:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "archive"
        self.objects = self.root / "objects"
        self.log = self.root / "documents.jsonl"

    def path_of(self, sha256: str) -> Path:
        return self.objects / sha256[:2] / sha256

    def put_bytes(self, data: bytes) -> str:
        """Store bytes once (by hash) and return the hash; an existing object is not rewritten."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_of(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(path)
        return sha256

    def record(self, document: ArchivedDocument) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as log:
            log.write(document.model_dump_json() + "\n")

    def read_bytes(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def latest(self) -> Iterator[ArchivedDocument]:
        """The newest archived fetch of each source URL, in first-archived order."""
        if not self.log.exists():
            return
        newest: dict[str, ArchivedDocument] = {}
        with self.log.open(encoding="utf-8") as log:
            for line in log:
                if line.strip():
                    document = ArchivedDocument.model_validate(json.loads(line))
                    newest[document.source_url] = document
        yield from newest.values()
