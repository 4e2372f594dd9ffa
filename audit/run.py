"""`govreports audit` (everything) and the audit after every index run (what the run touched).

Both write only what changed: a report's audit fields, the office documents, the findings,
and the ledger. The incremental audit looks again at the offices of the reports a run wrote
(and at reports no audit has seen), and at every report whose copy score may have changed:
the touched ones, those sharing a sentence with one of them, those whose match was one of
them, and those holding a sentence that became (or stopped being) boilerplate. For those it
computes exactly what the full audit computes, so both end in the same state
(tests/audit/test_audit_incremental.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError

from audit import store
from audit.book import (
    AuditConfig,
    CrawlLog,
    OfficeBook,
    OfficeSummary,
    assigned_office_id,
    missing_documents,
    office_document,
    office_missing,
    order_of,
)
from audit.changes import missing_changes
from audit.facts import ReportFacts, audit_digest, first_seen, from_source, narrative_of
from audit.findings import REPORT_RULES, Finding, finding_id, missing_findings, report_findings
from audit.missing import MissingYear
from audit.reuse import (
    NO_KEY,
    NO_MATCH,
    Commonness,
    Fingerprint,
    Keys,
    Narrative,
    all_nearest,
    commonness,
    fingerprint,
    nearest,
    prepare,
    reuse,
    sentence_counts,
)
from audit.store import AuditIndices, LedgerEntry, LedgerState
from govreports.errors import GovreportsError
from govreports.model import Reuse
from govreports.settings import Settings
from monitor.clock import utc_now
from monitor.missing_events import MissingChange, record_missing_events

Mode = Literal["full", "incremental"]
log = logging.getLogger("govreports.audit")


@dataclass
class AuditSummary:
    mode: Mode
    reports: int = 0  # looked at
    offices: int = 0
    updated: int = 0  # reports whose audit fields changed
    findings: int = 0  # findings written or replaced
    events: int = 0  # `missing` and `missing_cleared` deliveries recorded for subscriptions
    written: int = 0  # reports an index run wrote with their audit fields (`AuditFirst`)
    seconds: float = 0.0

    def line(self) -> str:
        written = f"{self.written} written with their audit fields, " if self.written else ""
        return (
            f"audit ({self.mode}): {self.reports} reports of {self.offices} offices looked at, "
            f"{written}{self.updated} updated, {self.findings} findings written, "
            f"{self.events} missing events, {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class Target:
    """Where the audit reads and writes: the reports (an alias, or a reindex's new index) and the
    side indices named after the alias."""

    client: Elasticsearch
    index: str
    indices: AuditIndices


def _target(client: Elasticsearch, settings: Settings, index: str | None) -> Target:
    indices = AuditIndices(settings.index)
    store.ensure_indices(client, indices)
    return Target(client, index or settings.index, indices)


# --- narratives: fingerprints to comparable narratives --------------------------------------


def _known(counts: Mapping[int, int], reports: int, config: AuditConfig) -> Commonness:
    return commonness(
        counts,
        reports,
        share=config.boilerplate_share,
        min_reports=config.boilerplate_min_reports,
        cap=config.cap,
    )


def _state_floor(config: AuditConfig) -> int:
    """Sentences in fewer reports than this are neither boilerplate nor common, whatever the index size."""
    return min(config.cap + 1, config.boilerplate_min_reports)


def _narratives(
    book: OfficeBook, facts: Mapping[str, ReportFacts], prints: dict[str, Fingerprint], known: Commonness
) -> dict[str, Narrative]:
    """The comparable narratives of `facts`, taken out of `prints` one by one: a full audit never
    holds every report's fingerprint and narrative at once."""
    narratives = {}
    for report_id in list(prints):
        print_ = prints.pop(report_id)
        item = facts.get(report_id)
        if item is not None:
            office = book.office_of.get(report_id)
            narratives[report_id] = prepare(report_id, order_of(item), office, item.year, print_, known)
    return narratives


def _ledger_entry(facts: ReportFacts, office: str | None, keys: Keys | None) -> LedgerEntry:
    found: list[int] = [] if keys is None else keys[keys != NO_KEY].tolist()
    return LedgerEntry(facts.id, office, facts.year, order_of(facts), frozenset(found))


def _reuse_values(
    book: OfficeBook,
    narratives: Mapping[str, Narrative],
    matches: Mapping[str, Any],
    ids: Iterable[str],
    threshold: float,
) -> None:
    previous = book.previous_of()
    for report_id in ids:
        before = previous.get(report_id)
        earlier = None if before is None else narratives.get(before.id)
        book.audits[report_id].reuse = reuse(
            narratives.get(report_id), earlier, matches.get(report_id, NO_MATCH), threshold
        )


# --- writing what changed -----------------------------------------------------------------------


def _changed(book: OfficeBook, facts: Iterable[ReportFacts]) -> list[ReportFacts]:
    """The reports whose audit fields are not what the index holds."""
    return [item for item in facts if audit_digest(book.audits[item.id].values()) != item.stored_digest]


def _report_updates(
    target: Target, book: OfficeBook, facts: Iterable[ReportFacts]
) -> Iterator[dict[str, Any]]:
    for item in facts:
        values = book.audits[item.id].values()
        yield {"_op_type": "update", "_index": target.index, "_id": item.id, "doc": values}


def _findings_of(book: OfficeBook, facts: Iterable[ReportFacts]) -> list[Finding]:
    found: list[Finding] = []
    for item in facts:
        audit = book.audits[item.id]
        if audit.office_id is None:
            continue
        office = book.names.get(audit.office_id)
        found += report_findings(
            item, audit.office_id, office, audit.cross_year, audit.timeliness, audit.reuse
        )
    return found


def _finding_actions(
    target: Target, findings: Sequence[Finding], replaced: Iterable[str]
) -> Iterator[dict[str, Any]]:
    """Index `findings`, and delete each id in `replaced` that none of them has."""
    kept = {finding.id for finding in findings}
    for finding in findings:
        yield {
            "_op_type": "index",
            "_index": target.indices.findings,
            "_id": finding.id,
            "_source": finding.document(),
        }
    for stale in sorted(set(replaced) - kept):
        yield {"_op_type": "delete", "_index": target.indices.findings, "_id": stale}


def _report_finding_ids(report_ids: Iterable[str]) -> Iterator[str]:
    for report_id in report_ids:
        for rule in REPORT_RULES:
            yield finding_id(rule, report_id, "", None)


def _office_documents(
    book: OfficeBook, offices: Iterable[str], config: AuditConfig, crawls: CrawlLog
) -> dict[str, dict[str, Any]]:
    documents = {}
    for office in offices:
        members = book.members.get(office)
        if members:
            missing = office_missing(OfficeSummary.of(members), config, crawls)
            documents[office] = office_document(office, members, missing)
    return documents


def _missing_of(document: Mapping[str, Any]) -> list[MissingYear]:
    return [
        MissingYear(entry["year"], entry["status"], date.fromisoformat(entry["deadline"]), entry["detail"])
        for entry in document.get("missing") or []
    ]


def _office_findings(documents: Mapping[str, Mapping[str, Any]]) -> list[Finding]:
    found: list[Finding] = []
    for office, document in documents.items():
        found += missing_findings(
            office,
            document.get("name"),
            dict(document.get("region") or {}),
            document.get("level"),
            _missing_of(document),
        )
    return found


def _missing_finding_ids(documents: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    for document in documents:
        for entry in document.get("missing") or []:
            yield finding_id("missing", None, document["office_id"], entry["year"])


def _write_offices(target: Target, documents: Mapping[str, dict[str, Any]], gone: Iterable[str]) -> None:
    actions: list[dict[str, Any]] = [
        {"_op_type": "index", "_index": target.indices.offices, "_id": office, "_source": document}
        for office, document in documents.items()
    ]
    actions += [{"_op_type": "delete", "_index": target.indices.offices, "_id": office} for office in gone]
    store.bulk(target.client, actions)


def _record_events(target: Target, changes: list[MissingChange]) -> int:
    """Recorded before the office documents are written: an audit that dies in between finds the
    same changes again, and the deliveries' ids make recording them again a no-op."""
    return len(record_missing_events(target.client, target.indices.alias, changes, now=utc_now()))


def _refresh(target: Target) -> None:
    target.client.indices.refresh(
        index=[target.index, target.indices.offices, target.indices.findings, target.indices.ledger]
    )


# --- the full audit -----------------------------------------------------------------------------


@dataclass
class Audited:
    """The whole audit of a set of reports, in memory (what `full_audit` then writes)."""

    facts: dict[str, ReportFacts]
    book: OfficeBook
    keys: dict[str, Keys]  # each report's sentence keys, for the ledger
    counts: dict[int, int]  # the sentences in at least `_state_floor` reports
    offices: dict[str, dict[str, Any]]
    findings: list[Finding]


def audit_everything(
    config: AuditConfig, reports: Iterable[tuple[ReportFacts, list[str]]], crawls: CrawlLog
) -> Audited:
    """Every rule for every report and office, from the reports' facts and narratives. Pure."""
    return audit_fingerprinted(config, ((item, fingerprint(texts)) for item, texts in reports), crawls)


def audit_fingerprinted(
    config: AuditConfig, reports: Iterable[tuple[ReportFacts, Fingerprint]], crawls: CrawlLog
) -> Audited:
    """`audit_everything` of reports whose narratives are fingerprinted already. Pure."""
    facts: dict[str, ReportFacts] = {}
    prints: dict[str, Fingerprint] = {}
    for item, print_ in reports:
        facts[item.id] = item
        prints[item.id] = print_
    book = OfficeBook.build(config, facts.values())
    counts = sentence_counts(prints.values(), at_least=_state_floor(config))  # no rarer one is boilerplate
    keys = {report_id: print_.keys for report_id, print_ in prints.items()}
    # The narratives hold what is compared; the shingles by sentence are not needed again.
    narratives = _narratives(book, facts, prints, _known(counts, len(facts), config))
    _reuse_values(book, narratives, all_nearest(list(narratives.values())), facts, config.threshold)
    offices = _office_documents(book, book.members, config, crawls)
    findings = _findings_of(book, facts.values()) + _office_findings(offices)
    return Audited(facts, book, keys, counts, offices, findings)


def full_audit(
    client: Elasticsearch, settings: Settings, *, index: str | None = None, today: date | None = None
) -> AuditSummary:
    """Recompute everything for every report and office; write what changed."""
    started = time.monotonic()
    target = _target(client, settings, index)
    config = AuditConfig.from_settings(settings, today)
    client.indices.refresh(index=[target.index, target.indices.ledger])
    pending = store.pending_ids(client, target.indices)  # looked at below, as every report is
    crawls = store.successful_crawls(client, target.indices.alias)
    audited = audit_everything(config, store.scan_reports_with_narratives(client, target.index), crawls)
    summary = _write_audited(target, config, audited, crawls, pending)
    summary.seconds = time.monotonic() - started
    return summary


def _write_audited(
    target: Target,
    config: AuditConfig,
    audited: Audited,
    crawls: CrawlLog,
    pending: set[str],
    written: frozenset[str] = frozenset(),
) -> AuditSummary:
    """Write what a whole audit found that the index lacks (the reports in `written` hold their
    fields already: an index run wrote them with them)."""
    client, facts, book = target.client, audited.facts, audited.book
    summary = AuditSummary(
        "full", reports=len(facts), offices=len(book.members), findings=len(audited.findings)
    )
    changed = _changed(book, (item for report_id, item in facts.items() if report_id not in written))
    summary.updated = store.update_reports(
        client, target.index, _report_updates(target, book, changed), len(changed)
    )
    indices = target.indices
    offices = store.sources_in(client, indices.offices)
    summary.events = _record_events(target, missing_changes(offices, audited.offices, book.members))
    store.bulk(client, store.sync_actions(indices.offices, audited.offices, offices))
    findings = {finding.id: finding.document() for finding in audited.findings}
    store.bulk(
        client, store.sync_actions(indices.findings, findings, store.sources_in(client, indices.findings))
    )
    state = LedgerState(len(facts), audited.counts, _missing_as_of(config, crawls))
    existing = store.sources_in(client, indices.ledger, ["digest"])
    store.bulk(client, _ledger_actions(indices, audited, existing, state))
    store.clear_pending(client, indices, pending)
    _refresh(target)
    return summary


def _ledger_actions(
    indices: AuditIndices, audited: Audited, existing: Mapping[str, dict[str, Any]], state: LedgerState
) -> Iterator[dict[str, Any]]:
    """Write the ledger entries that changed (by digest), delete those of reports gone, write the state."""
    for report_id, item in audited.facts.items():
        entry = _ledger_entry(item, audited.book.office_of[report_id], audited.keys.get(report_id)).document()
        if existing.get(report_id, {}).get("digest") != entry["digest"]:
            yield {"_op_type": "index", "_index": indices.ledger, "_id": report_id, "_source": entry}
    for report_id in existing.keys() - audited.facts.keys() - {store.STATE_ID}:
        if report_id.startswith(store.PENDING_PREFIX):
            continue  # marks are cleared by whoever read them
        yield {"_op_type": "delete", "_index": indices.ledger, "_id": report_id}
    yield {"_op_type": "index", "_index": indices.ledger, "_id": store.STATE_ID, "_source": state.document()}


def _missing_as_of(config: AuditConfig, crawls: CrawlLog) -> str:
    """What missing years depend on besides an office's own reports: the day, the rules, the crawls."""
    crawled = sorted((site, [day.isoformat() for day in days]) for site, days in crawls.items())
    basis = [config.today.isoformat(), config.grace_days, repr(config.deadlines), crawled]
    return hashlib.sha1(json.dumps(basis, ensure_ascii=False).encode()).hexdigest()


def _write_ledger(
    target: Target, entries: Iterable[LedgerEntry], gone: Iterable[str], state: LedgerState
) -> None:
    ledger = target.indices.ledger
    actions: list[dict[str, Any]] = [
        {"_op_type": "index", "_index": ledger, "_id": entry.report_id, "_source": entry.document()}
        for entry in entries
    ]
    actions += [
        {"_op_type": "delete", "_index": ledger, "_id": report_id}
        for report_id in gone
        if report_id != store.STATE_ID
    ]
    actions.append(
        {"_op_type": "index", "_index": ledger, "_id": store.STATE_ID, "_source": state.document()}
    )
    store.bulk(target.client, actions)
    target.client.indices.refresh(index=ledger)


# --- the incremental audit ------------------------------------------------------------------------


@dataclass
class _Sentences:
    """The sentence counts before and after the touched reports' new versions."""

    before: dict[int, int]
    after: dict[int, int]
    reports_before: int
    reports_after: int
    known_before: Commonness = field(init=False)
    known_after: Commonness = field(init=False)

    def settle(self, config: AuditConfig) -> None:
        self.known_before = _known(self.before, self.reports_before, config)
        self.known_after = _known(self.after, self.reports_after, config)

    def changed(self) -> set[int]:
        """Keys whose status (boilerplate, common, neither) is not what it was."""
        before, after = self.known_before, self.known_after
        return {
            key
            for key in set(self.before) | set(self.after)
            if (key in before.boilerplate, key in before.common)
            != (key in after.boilerplate, key in after.common)
        }

    def state(self, config: AuditConfig, missing_as_of: str) -> LedgerState:
        floor = _state_floor(config)
        counts = {key: count for key, count in self.after.items() if count >= floor}
        return LedgerState(self.reports_after, counts, missing_as_of)


def _sentence_counts(
    target: Target,
    state: LedgerState,
    old: Mapping[str, LedgerEntry],
    new: Mapping[str, LedgerEntry],
    gone: Iterable[str],
) -> _Sentences:
    # The state counts every sentence in many reports exactly; only the rare ones are counted again
    # (a boilerplate sentence's query would match every report).
    involved = {key for entry in (*old.values(), *new.values()) for key in entry.keys} - state.counts.keys()
    counted = store.key_counts(target.client, target.indices, sorted(involved))
    before = {**state.counts, **counted}
    after = dict(before)
    for entry in old.values():
        for key in entry.keys:
            after[key] -= 1
    for entry in new.values():
        for key in entry.keys:
            after[key] = after.get(key, 0) + 1
    added = sum(report_id not in old for report_id in new)
    removed = sum(report_id in old for report_id in gone)
    return _Sentences(before, after, state.reports, state.reports + added - removed)


def _candidate_keys(entry: LedgerEntry, known: Commonness) -> frozenset[int]:
    return entry.keys - known.boilerplate - known.common


def _later_sharing(target: Target, changed: Mapping[str, LedgerEntry], known: Commonness) -> set[str]:
    """Reports published after one of `changed` that share a candidate sentence with it."""
    keys = sorted({key for entry in changed.values() for key in _candidate_keys(entry, known)})
    found: set[str] = set()
    if not keys:
        return found
    by_key: dict[int, list[LedgerEntry]] = {}
    for entry in changed.values():
        for key in _candidate_keys(entry, known):
            by_key.setdefault(key, []).append(entry)
    for batch in store.chunks(keys, 10_000):
        in_batch = frozenset(batch)
        for other in store.ledger_entries(target.client, target.indices, {"terms": {"keys": batch}}):
            for key in other.keys & in_batch:
                if any(_before(entry, other) for entry in by_key.get(key, ())):
                    found.add(other.report_id)
                    break
    return found


def _before(earlier: LedgerEntry, later: LedgerEntry) -> bool:
    return earlier.order is not None and later.order is not None and earlier.order < later.order


def _candidates(
    target: Target, affected: Mapping[str, LedgerEntry], known: Commonness
) -> dict[str, set[str]]:
    """For each affected report, the earlier reports sharing a candidate sentence with it."""
    wanted = {report_id: _candidate_keys(entry, known) for report_id, entry in affected.items()}
    keys = sorted({key for found in wanted.values() for key in found})
    holders: dict[int, list[LedgerEntry]] = {}
    for batch in store.chunks(keys, 10_000):
        in_batch = frozenset(batch)
        for other in store.ledger_entries(target.client, target.indices, {"terms": {"keys": batch}}):
            for key in other.keys & in_batch:
                holders.setdefault(key, []).append(other)
    return {
        report_id: {
            other.report_id
            for key in wanted[report_id]
            for other in holders.get(key, ())
            if _before(other, affected[report_id])
        }
        for report_id in affected
    }


def incremental_audit(
    client: Elasticsearch,
    settings: Settings,
    touched: Iterable[str] = (),
    *,
    index: str | None = None,
    today: date | None = None,
) -> AuditSummary:
    """Audit again what an index run touched: the report ids it wrote, those a crawl noted as written
    (`store.mark_pending`), and any report never audited."""
    started = time.monotonic()
    target = _target(client, settings, index)
    state = store.read_state(client, target.indices)
    if state is None:  # never audited: everything is new
        summary = full_audit(client, settings, index=index, today=today)
        summary.mode = "incremental"
        return summary
    config = AuditConfig.from_settings(settings, today)
    client.indices.refresh(index=[target.index, target.indices.ledger])
    pending = store.pending_ids(client, target.indices)
    touched_ids = set(touched) | pending | store.unaudited_ids(client, target.index)

    # The touched reports as they are now, and as the ledger knew them.
    found: dict[str, ReportFacts] = {}
    prints: dict[str, Fingerprint] = {}
    for item, texts in store.reports_with_narratives_by_ids(client, target.index, touched_ids):
        found[item.id], prints[item.id] = item, fingerprint(texts)
    gone = touched_ids - set(found)
    old = store.ledger_by_ids(client, target.indices, touched_ids)
    new = {
        report_id: _ledger_entry(item, assigned_office_id(item, config.rules), prints[report_id].keys)
        for report_id, item in found.items()
    }
    sentences = _sentence_counts(target, state, old, new, gone)
    sentences.settle(config)
    crawls = store.successful_crawls(client, target.indices.alias)
    as_of = _missing_as_of(config, crawls)
    _write_ledger(target, new.values(), gone, sentences.state(config, as_of))

    offices = {entry.office_id for entry in (*old.values(), *new.values()) if entry.office_id}
    affected = _affected(target, sentences, old, new, gone, offices)
    candidates = _candidates(target, affected, sentences.known_after)

    # Whole offices: those touched and those of every affected report (chains, previous reports).
    offices |= {entry.office_id for entry in affected.values() if entry.office_id}
    facts = {item.id: item for item in store.reports_of_offices(client, target.index, sorted(offices))}
    facts.update(found)
    officeless = set(affected) - set(facts)
    facts.update({item.id: item for item in store.reports_by_ids(client, target.index, officeless)})
    for report_id in gone:
        facts.pop(report_id, None)
    book = OfficeBook.build(config, facts.values())

    # Copy scores of the affected reports, against their candidates and previous reports.
    previous = book.previous_of()
    needed = set(affected) | {other for found_ids in candidates.values() for other in found_ids}
    needed |= {before.id for report_id in affected if (before := previous.get(report_id)) is not None}
    narrated = store.narratives_by_ids(client, target.index, needed - set(prints))
    prints.update({report_id: fingerprint(texts) for report_id, texts in narrated.items()})
    ledger = store.ledger_by_ids(client, target.indices, needed - set(facts))
    narratives = _narratives_of(book, facts, ledger, prints, sentences.known_after)
    matches = {
        report_id: nearest(
            narratives[report_id], (narratives[other] for other in others if other in narratives)
        )
        for report_id, others in candidates.items()
        if report_id in narratives
    }
    for item in facts.values():
        if item.id not in affected:
            book.audits[item.id].reuse = _stored_reuse(item)
    _reuse_values(
        book,
        narratives,
        matches,
        [report_id for report_id in affected if report_id in facts],
        config.threshold,
    )

    summary = AuditSummary("incremental", reports=len(facts), offices=len(book.members))
    summary.updated = store.bulk(client, _report_updates(target, book, _changed(book, facts.values())))
    elsewhere = as_of != state.missing_as_of  # another day, or other crawls: any office's missing years
    summary.findings, summary.events = _write_offices_and_findings(
        target, config, crawls, book, facts, gone, offices, elsewhere
    )
    store.clear_pending(client, target.indices, pending)
    _refresh(target)
    summary.seconds = time.monotonic() - started
    return summary


def _affected(
    target: Target,
    sentences: _Sentences,
    old: Mapping[str, LedgerEntry],
    new: Mapping[str, LedgerEntry],
    gone: set[str],
    offices: set[str],
) -> dict[str, LedgerEntry]:
    """Every report whose copy score may have changed (the ledger already holds the new entries)."""
    client, indices = target.client, target.indices
    changed_keys = sorted(sentences.changed())
    holders = store.ledger_entries(client, indices, {"terms": {"keys": changed_keys}}) if changed_keys else []
    first = {**{entry.report_id: entry for entry in holders}, **new}
    members = (
        store.ledger_entries(client, indices, {"terms": {"office_id": sorted(offices)}}) if offices else []
    )
    ids = (
        set(first)
        | _later_sharing(target, first, sentences.known_after)
        | store.ids_pointing_at(client, target.index, sorted(set(first) | gone))
        | _successors(members, [*old.values(), *new.values()])
    ) - gone
    return store.ledger_by_ids(client, indices, ids)


def _successors(members: Iterable[LedgerEntry], touched: Iterable[LedgerEntry]) -> set[str]:
    """The reports of each touched report's office for the next year it has: their previous report
    (the office's latest earlier year) may be another one now."""
    years: dict[str, dict[int, list[str]]] = {}
    for entry in members:
        if entry.office_id is not None and entry.year is not None:
            years.setdefault(entry.office_id, {}).setdefault(entry.year, []).append(entry.report_id)
    found: set[str] = set()
    for entry in touched:
        if entry.office_id is None or entry.year is None:
            continue
        later = [year for year in years.get(entry.office_id, {}) if year > entry.year]
        if later:
            found.update(years[entry.office_id][min(later)])
    return found


def _write_offices_and_findings(
    target: Target,
    config: AuditConfig,
    crawls: CrawlLog,
    book: OfficeBook,
    facts: Mapping[str, ReportFacts],
    gone: set[str],
    offices: set[str],
    everywhere: bool,
) -> tuple[int, int]:
    """The documents of the loaded offices, the missing years of all others when `everywhere`, and
    the findings of both; how many findings, and how many missing events were recorded."""
    client = target.client
    documents = _office_documents(book, offices, config, crawls)
    before = store.office_documents(client, target.indices, offices)
    elsewhere, elsewhere_before = (
        _missing_elsewhere(target, config, crawls, exclude=offices) if everywhere else ({}, [])
    )
    documents.update(elsewhere)
    replaced = set(_report_finding_ids([*facts, *gone]))
    replaced |= set(_missing_finding_ids([*before.values(), *elsewhere_before]))
    findings = _findings_of(book, facts.values()) + _office_findings(documents)
    previous = {**before, **{document["office_id"]: document for document in elsewhere_before}}
    events = _record_events(target, missing_changes(previous, documents, book.members))
    _write_offices(target, documents, {office for office in offices if office not in book.members})
    store.bulk(client, _finding_actions(target, findings, replaced))
    return len(findings), events


def _narratives_of(
    book: OfficeBook,
    facts: Mapping[str, ReportFacts],
    ledger: Mapping[str, LedgerEntry],
    prints: Mapping[str, Fingerprint],
    known: Commonness,
) -> dict[str, Narrative]:
    """Comparable narratives of the loaded reports (by their facts), other candidates by the ledger."""
    found: dict[str, Narrative] = {}
    for report_id, print_ in prints.items():
        if report_id in facts:
            item = facts[report_id]
            found[report_id] = prepare(
                report_id, order_of(item), book.office_of.get(report_id), item.year, print_, known
            )
        elif report_id in ledger:
            entry = ledger[report_id]
            found[report_id] = prepare(report_id, entry.order, entry.office_id, entry.year, print_, known)
    return found


def _stored_reuse(item: ReportFacts) -> Reuse | None:
    return None if item.stored_reuse == b"null" else Reuse.model_validate_json(item.stored_reuse)


def _missing_elsewhere(
    target: Target, config: AuditConfig, crawls: CrawlLog, exclude: set[str]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Offices outside `exclude` whose missing years changed (a deadline passed, a crawl ended),
    as they are now and as they were."""
    changed, before = {}, []
    for document in store.scan_offices(target.client, target.indices):
        if document["office_id"] in exclude:
            continue
        missing = missing_documents(office_missing(OfficeSummary.of_document(document), config, crawls))
        if missing != document.get("missing"):
            changed[document["office_id"]] = {**document, "missing": missing}
            before.append(document)
    return changed, before


# --- the audit of a large index run, before it writes -------------------------------------------


class AuditFirst:
    """The full audit of a large index run, computed before the run writes its reports (indexer/run.py,
    `_Run.audit_then_write`), so that each report is written once, with its audit fields.

    `note` is told each report the run will write, as the writer will merge it; it keeps only
    the facts and the narrative's fingerprint. `compute` audits them together with every
    other report of the index, as `full_audit` does; `fields` gives a report's audit fields as
    it is written; `finish` writes the rest: the other reports whose fields changed, the office
    documents, the findings and the ledger. Until then the ledger holds no state, so an audit
    after a run that stopped in between is a full one.
    """

    def __init__(
        self,
        client: Elasticsearch,
        settings: Settings,
        index: str,
        *,
        today: date | None = None,
        report: Callable[[AuditSummary], None] | None = None,
    ) -> None:
        self.client, self.settings, self.today, self.report = client, settings, today, report
        self.target = _target(client, settings, index)
        self.config = AuditConfig.from_settings(settings, today)
        self.noted: dict[str, tuple[ReportFacts, Fingerprint]] = {}
        self.written: frozenset[str] = frozenset()  # the ids noted, once computed
        self.again: set[str] = set()  # written otherwise than noted: audited again after
        self.started = 0.0  # when the run's parsing ended: its summary's seconds count from then
        self.audited: Audited | None = None
        self.pending: set[str] = set()
        self.crawls: CrawlLog = {}

    def note(self, document: dict[str, Any]) -> None:
        item = from_source(document)
        earlier = self.noted.get(item.id)
        if earlier is not None:  # twice in one run: the writer merges the later with the earlier
            item = replace(item, first_seen_at=earlier[0].first_seen_at)
        self.noted[item.id] = (item, fingerprint(narrative_of(document)))

    def compute(self) -> None:
        self.started = time.monotonic()
        client, target = self.client, self.target
        store.forget_state(client, target.indices)
        client.indices.refresh(index=[target.index, target.indices.ledger])
        self.pending = store.pending_ids(client, target.indices)
        self.crawls = store.successful_crawls(client, target.indices.alias)
        others = (
            (item, fingerprint(texts))
            for item, texts in store.scan_reports_with_narratives(client, target.index)
            if item.id not in self.noted
        )
        self.audited = audit_fingerprinted(self.config, chain(self.noted.values(), others), self.crawls)
        self.written = frozenset(self.noted)
        self.noted.clear()  # the audit holds the facts now

    def _done(self) -> Audited:
        if self.audited is None:
            raise RuntimeError("AuditFirst.compute must come before fields and finish")
        return self.audited

    def fields(self, document: dict[str, Any]) -> dict[str, Any]:
        """The audit fields of a report about to be written; none for one that is written otherwise
        than noted (a concurrent writer's version merged in): it is audited again after the run."""
        audited = self._done()
        item = audited.facts.get(document["id"])
        if item is None or item.first_seen_at != first_seen(document):
            self.again.add(document["id"])
            return {}
        return audited.book.audits[item.id].values()

    def finish(self) -> None:
        audited = self._done()
        written = self.written - self.again
        summary = _write_audited(self.target, self.config, audited, self.crawls, self.pending, written)
        summary.written = len(written)
        if self.again:
            store.mark_pending(self.client, self.target.indices.alias, sorted(self.again))
            incremental_audit(self.client, self.settings, index=self.target.index, today=self.today)
        summary.seconds = time.monotonic() - self.started
        if self.report is not None:
            self.report(summary)


def after_crawl(client: Elasticsearch, settings: Settings) -> str:
    """The audit a crawl calls once its sites are done (`govreports crawl`, each watch cycle): of the
    reports its writer noted (`store.mark_pending`), and of the missing years a successful crawl is
    evidence for. Its one line; a failure is logged, not raised: one audit must not hold up the
    notifications, and the marks stay for the next audit."""
    try:
        if not client.indices.exists(index=settings.index):
            return "audit: nothing indexed yet"
        return incremental_audit(client, settings).line()
    except (GovreportsError, ApiError, TransportError) as error:
        log.warning("audit after the crawl failed: %s", error)
        return f"audit: not run ({type(error).__name__}); the next audit looks at what was written"


def after_index(
    client: Elasticsearch, settings: Settings, index: str, touched: list[str] | None
) -> AuditSummary:
    """The audit an index run calls when done: of what it wrote, or (None) of a rebuilt index as a whole."""
    if touched is None:
        return full_audit(client, settings, index=index)
    return incremental_audit(client, settings, touched, index=index)
