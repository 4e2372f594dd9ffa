"""`govreports index` writes each document as soon as it is parsed: a slow one (a long scan read
by OCR) holds back no other. (A run of GOVREPORTS_INDEX_AUDIT_FIRST_AT documents or more is
audited before it writes: tests/audit/test_audit_index_first.py.)"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from govreports.model import Report
from indexer import lifecycle, run
from indexer.limits import Announce

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SLOW_SECONDS = 6.0


@dataclass(frozen=True)
class SlowFile(run.FileItem):
    """A file whose parse takes SLOW_SECONDS longer, as a scan of many pages does."""

    def parse(self, announce: Announce) -> Report:
        time.sleep(SLOW_SECONDS)
        return super().parse(announce)


@pytest.mark.es
@pytest.mark.timeout(120)
def test_a_slow_document_does_not_hold_back_the_others(
    es_client: Elasticsearch, es_index: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for n, seed in enumerate(sorted(SEEDS.glob("*.txt")) * 2):
        (folder / f"{n:02d}.txt").write_bytes(seed.read_bytes())
    first, *others = run.find_files([folder])
    items = [SlowFile(first.path, first.fingerprint), *others]  # the slow one comes first
    written: list[str] = []

    def record(documents: list[dict[str, Any]]) -> None:
        written.extend(document["source_url"] for document in documents)

    lifecycle.ensure_index(es_client, es_index)
    def audit_first(index: str) -> run.AuditBeforeWriting:
        raise AssertionError("a small run is audited after it writes, not before")

    options = run.Options(batch_size=1, workers=2, listener=lambda: record, audit_first=audit_first)
    assert len(items) < options.audit_first_at
    journal = run.journal_for(tmp_path, "order-test", alias=es_index)
    result = run.run_job(es_client, index=es_index, lookup_index=es_index, items=items,
                         journal=journal, data_dir=tmp_path, options=options)

    assert sorted(written) == sorted(item.path.as_uri() for item in items)  # each once
    assert result.summary.failed == 0
    slow_at = written.index(first.path.as_uri())
    # Only the document queued behind the slow one on its worker may wait for it.
    assert slow_at >= len(items) - 2, written
