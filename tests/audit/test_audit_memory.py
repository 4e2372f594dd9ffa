"""The full audit holds every report at once, so what it holds of each is counted: facts, narrative
fingerprints and audit values compact (numpy arrays, bytes), not Python sets and models."""

from __future__ import annotations

import tracemalloc
from datetime import date

import pytest

from audit.book import AuditConfig, OfficeBook
from audit.facts import from_source, narrative_of
from audit.reuse import fingerprint
from audit.run import audit_fingerprinted
from govreports.settings import Settings
from indexer.documents_es import to_document
from indexer.synthetic.series import corpus, reports_of

# Bytes a report at the audit's peak (docs/audit.md, "Memory"): about 4,000 at 20,000 reports;
# a small corpus pays a little more for what is shared.
PEAK_BYTES_PER_REPORT = 6000


@pytest.mark.timeout(120)
def test_the_full_audit_holds_a_few_kilobytes_a_report() -> None:
    documents = [to_document(report) for report in reports_of(corpus(seed=3, offices=150, copies_across=3))]
    config = AuditConfig.from_settings(Settings(), date(2026, 6, 1))
    OfficeBook.build(config, [from_source(document) for document in documents[:20]])  # loads region tables

    tracemalloc.start()
    try:
        reports = [(from_source(document), fingerprint(narrative_of(document))) for document in documents]
        audited = audit_fingerprinted(config, reports, {})
        del reports
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(audited.facts) == len(documents) > 1000
    assert peak / len(documents) < PEAK_BYTES_PER_REPORT
