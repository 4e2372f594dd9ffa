"""Copied narratives: how much of a report's narrative is found in earlier reports.

The measure is containment: the share of this report's shingles (runs of 5 characters of its
narrative, punctuation and spaces left out) that the other report also has. That is what
evaluators mean by 重复率; Jaccard similarity would let a short report copied wholesale from a
long one escape. A fixed quarter of all shingles is kept, chosen by hash value, the same
quarter in every report, so the share measured on them estimates the share on all of them
(about ±0.04 at 0.5 for a narrative of 1,000 characters) at a quarter of the memory.

The form's boilerplate stays out: sentences (digits read as one sign, so a year or a count
does not make them differ) that a large share of all reports contain. Which earlier reports
are compared: those sharing at least one other sentence with this one, unless that sentence
is in so many reports that it says nothing of where the text came from. Light edits leave
most sentences whole, so a copy shares many; reports that share none are not copies.

Only reports published before this one are compared (by the published date, else the day
first seen): of two alike reports the earlier is the original.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from govreports.model import Reuse

SHINGLE = 5
SAMPLE_MASK = 3  # keep the shingles whose hash ends in two zero bits: a quarter
MIN_KEY_LENGTH = 8  # shorter sentences (无。, 详见附件。) are neither boilerplate nor evidence
MIN_SHINGLES = 12  # kept shingles; a narrative with fewer is too short to judge
NO_KEY = 0
_SENTENCE_ENDS = re.compile(r"[。！？!?；;\n\r]+")
_NOT_WORD = re.compile(r"[^\w\x00]+|_+")  # punctuation and spaces; NUL separates sentences
_SEPARATORS = re.compile("\x00+")
_KEY_FACTORS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD6E8FEB86659FD93))
_BASE = np.uint64(1_000_003)
_MIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))

Hashes = npt.NDArray[np.uint32]
Keys = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A narrative's sentences (their keys) and its kept shingles, in the order of the text."""

    keys: Keys  # one per sentence; NO_KEY for a short one
    shingles: Hashes
    # How many of the shingles each sentence holds (the first `sizes[0]` are the first sentence's):
    # one number a sentence rather than one a shingle, as a full audit holds every report's.
    sizes: npt.NDArray[np.int32]

    def key_set(self) -> set[int]:
        keys: list[int] = self.keys[self.keys != NO_KEY].tolist()
        return set(keys)


def joined_sentences(texts: Iterable[str]) -> str:
    """The narrative's sentences, NFKC, without spaces or punctuation, separated by NUL."""
    cleaned = []
    for text in texts:
        text = _NOT_WORD.sub("", _SENTENCE_ENDS.sub("\x00", text))
        # NFKC after punctuation is gone: what is left (ideographs, ASCII) is nearly always NFKC already.
        if not unicodedata.is_normalized("NFKC", text):
            text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))
        cleaned.append(text)
    return _SEPARATORS.sub("\x00", "\x00".join(cleaned)).strip("\x00")


def _mixed(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's finaliser: every bit of the result depends on every bit of the input."""
    values = values ^ (values >> np.uint64(33))
    values = values * _MIX[0]
    values = values ^ (values >> np.uint64(33))
    values = values * _MIX[1]
    return values ^ (values >> np.uint64(33))


def _sentence_keys(codes: npt.NDArray[np.uint64], sentence: npt.NDArray[np.int64], count: int) -> Keys:
    """One key per sentence (signed 64-bit, as Elasticsearch keeps a long): a hash of its characters
    and their places, each run of digits read as one sign (#); NO_KEY for a short sentence."""
    separator = codes == 0
    digit = (codes >= 48) & (codes <= 57)
    continues = digit & np.concatenate(([False], digit[:-1]))  # a digit after a digit
    kept = ~separator & ~continues
    signs = np.where(digit, np.uint64(ord("#")), codes)[kept]
    owner = sentence[kept]
    lengths = np.bincount(owner, minlength=count)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    place = (np.arange(len(signs)) - starts[owner]).astype(np.uint64)
    terms = _mixed(signs * _KEY_FACTORS[0] + place * _KEY_FACTORS[1])
    sums = np.add.reduceat(terms, np.minimum(starts, max(len(terms) - 1, 0))) if len(terms) else terms
    keys = _mixed(sums + lengths.astype(np.uint64)).view(np.int64)
    keys = np.where(keys == NO_KEY, 1, keys)
    return np.where(lengths < MIN_KEY_LENGTH, NO_KEY, keys)


def fingerprint(texts: Iterable[str]) -> Fingerprint:
    """Sentence keys and kept shingles of a narrative (its sections' texts), in numpy."""
    joined = joined_sentences(texts)
    if not joined:
        return Fingerprint(np.empty(0, np.int64), np.empty(0, np.uint32), np.zeros(0, np.int32))
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    separator = codes == 0
    sentence = np.cumsum(separator) - separator  # a separator counts with the sentence it ends
    count = int(separator.sum()) + 1
    keys = _sentence_keys(codes, sentence, count)
    windows = len(codes) - SHINGLE + 1
    if windows <= 0:
        return Fingerprint(keys, np.empty(0, np.uint32), np.zeros(count, np.int32))
    hashes = np.zeros(windows, dtype=np.uint64)
    for offset in range(SHINGLE):
        hashes = hashes * _BASE + codes[offset : offset + windows]
    separators = np.concatenate(([0], np.cumsum(separator)))
    whole = separators[SHINGLE:] == separators[:windows]  # no separator inside the window
    mixed = _mixed(hashes)
    kept = whole & ((mixed & np.uint64(SAMPLE_MASK)) == 0)
    sizes = np.bincount(sentence[:windows][kept], minlength=count).astype(np.int32)
    return Fingerprint(keys, (mixed[kept] >> np.uint64(32)).astype(np.uint32), sizes)


# --- what the corpus says is boilerplate ------------------------------------------------


@dataclass(frozen=True)
class Commonness:
    """Sentences left out of scores (boilerplate), and those too common to find candidates by."""

    boilerplate: frozenset[int]
    common: frozenset[int]

    @cached_property
    def boilerplate_keys(self) -> Keys:
        return np.array(sorted(self.boilerplate), dtype=np.int64)

    @cached_property
    def excluded_keys(self) -> Keys:
        """Sentences that find no candidates: boilerplate and common ones."""
        return np.array(sorted(self.boilerplate | self.common), dtype=np.int64)


def boilerplate_threshold(reports: int, share: float, min_reports: int) -> int:
    return max(min_reports, math.ceil(share * reports))


def commonness(
    counts: Mapping[int, int], reports: int, *, share: float, min_reports: int, cap: int
) -> Commonness:
    """From each sentence's report count: boilerplate (in ≥ `share` of `reports`, and in at least
    `min_reports`), and common (in more than `cap` reports, without being boilerplate)."""
    threshold = boilerplate_threshold(reports, share, min_reports)
    boilerplate = frozenset(key for key, count in counts.items() if count >= threshold)
    common = frozenset(key for key, count in counts.items() if count > cap and key not in boilerplate)
    return Commonness(boilerplate, common)


def sentence_counts(fingerprints: Collection[Fingerprint], at_least: int = 1) -> dict[int, int]:
    """In how many reports each sentence key occurs, for the keys in `at_least` reports (counted in
    numpy, in one array of every report's distinct keys sorted in place: a hundred thousand
    reports hold millions of keys, most in one report)."""
    found = np.empty(sum(len(print_.keys) for print_ in fingerprints), dtype=np.int64)
    end = 0
    for print_ in fingerprints:
        own = np.unique(print_.keys[print_.keys != NO_KEY])
        found[end : end + len(own)] = own
        end += len(own)
    found = found[:end]
    if at_least <= 1:
        keys, counts = np.unique(found, return_counts=True)
    else:  # only the keys found again: a small share, most keys being in one report
        found.sort()
        keys, counts = np.unique(found[1:][found[1:] == found[:-1]], return_counts=True)
        counts += 1
    often = counts >= at_least
    return dict(zip(keys[often].tolist(), counts[often].tolist(), strict=True))


# --- comparing narratives -----------------------------------------------------------------


@dataclass(frozen=True)
class Narrative:
    """A report's narrative ready to compare: its scored shingles and the keys that find candidates."""

    id: str
    order: int | None  # the day it was published (ordinal); None: unknown, compared with nothing
    office_id: str | None
    year: int | None
    shingles: Hashes  # sorted, unique, boilerplate left out
    keys: Keys  # sorted, unique: the sentences that find candidates (neither boilerplate nor common)

    @property
    def assessable(self) -> bool:
        return self.order is not None and len(self.shingles) >= MIN_SHINGLES

    def is_earlier_original_of(self, later: Narrative) -> bool:
        """Whether `later` may have copied this one: published strictly before it, and not the same
        office's report for the same year (a second copy of one report)."""
        if self.order is None or later.order is None or self.order >= later.order:
            return False
        return not (self.office_id == later.office_id and self.year == later.year and self.office_id)


def prepare(
    report_id: str,
    order: int | None,
    office_id: str | None,
    year: int | None,
    print_: Fingerprint,
    known: Commonness,
) -> Narrative:
    scored = ~np.isin(print_.keys, known.boilerplate_keys)
    kept = np.repeat(scored, print_.sizes)
    own = np.unique(print_.keys[print_.keys != NO_KEY])
    keys = np.setdiff1d(own, known.excluded_keys, assume_unique=True)
    return Narrative(report_id, order, office_id, year, np.unique(print_.shingles[kept]), keys)


def containment(part: Hashes, whole: Hashes) -> float:
    """The share of `part`'s shingles found in `whole` (both sorted and unique)."""
    if len(part) == 0:
        return 0.0
    return float(np.intersect1d(part, whole, assume_unique=True).size) / float(len(part))


@dataclass(frozen=True)
class Match:
    score: float
    report_id: str | None


NO_MATCH = Match(0.0, None)


def nearest(narrative: Narrative, candidates: Iterable[Narrative]) -> Match:
    """The earlier report holding most of `narrative`'s shingles; ties go to the earliest, then the
    smallest id, so every way of finding the candidates gives the same answer."""
    best, best_rank = NO_MATCH, (0.0, 0, "")
    for other in candidates:
        if other.id == narrative.id or not other.is_earlier_original_of(narrative):
            continue
        score = containment(narrative.shingles, other.shingles)
        rank = (score, -(other.order or 0), _reverse(other.id))
        if score > 0 and rank > best_rank:
            best, best_rank = Match(score, other.id), rank
    return best


def _reverse(report_id: str) -> str:
    # Among equal scores and days the smallest id wins: compared as the largest of the complements.
    return "".join(chr(0x10FFFF - ord(char)) for char in report_id)


Positions = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Sharing:
    """Which narratives share a candidate key, in numpy (not a set of others for each narrative,
    which would hold as many Python ints as there are pairs): the holders of each key found in
    several narratives, one run of positions a key, and the runs of each narrative."""

    holders: Positions  # narrative positions, run after run
    run_starts: Positions  # run r is holders[run_starts[r] : run_starts[r + 1]]
    runs: Positions  # run numbers, narrative after narrative
    run_bounds: Positions  # narrative p's runs are runs[run_bounds[p] : run_bounds[p + 1]]

    @classmethod
    def of(cls, narratives: Sequence[Narrative]) -> Sharing:
        # Only the keys in several narratives are sorted with their narratives: most are in one.
        repeated = _repeated([narrative.keys for narrative in narratives])
        shared = [_within(narrative.keys, repeated) for narrative in narratives]
        sizes = np.array([len(keys) for keys in shared], dtype=np.int64)
        keys = np.concatenate(shared) if sizes.sum() else np.zeros(0, np.int64)
        del shared
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        owners = np.searchsorted(np.cumsum(sizes), order, side="right")  # the narrative of each key
        del order
        first = np.concatenate(([True], keys[1:] != keys[:-1])) if len(keys) else np.zeros(0, bool)
        del keys
        run = np.cumsum(first) - 1  # each key's run: one key, every narrative holding it
        in_shared_run = np.bincount(run)[run] > 1 if len(run) else np.zeros(0, bool)
        holders, run, first = owners[in_shared_run], run[in_shared_run], first[in_shared_run]
        run = np.cumsum(first) - 1  # shared runs numbered from 0
        run_starts = np.append(np.flatnonzero(first), len(holders))
        by_holder = np.argsort(holders, kind="stable")
        run_bounds = np.concatenate(([0], np.cumsum(np.bincount(holders, minlength=len(narratives)))))
        return cls(holders, run_starts, run[by_holder], run_bounds)

    def others(self, position: int) -> list[int]:
        """The positions of the other narratives sharing a key with the one at `position`."""
        runs = self.runs[self.run_bounds[position] : self.run_bounds[position + 1]]
        if not len(runs):
            return []
        starts, lengths = self.run_starts[runs], self.run_starts[runs + 1] - self.run_starts[runs]
        places = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        found = np.unique(self.holders[places])
        others: list[int] = found[found != position].tolist()
        return others


def _repeated(arrays: Sequence[Keys]) -> Keys:
    """The keys found in more than one of `arrays` (each holding distinct keys), sorted."""
    found = np.concatenate(arrays) if arrays else np.zeros(0, np.int64)
    found.sort()
    return np.unique(found[1:][found[1:] == found[:-1]])


def _within(keys: Keys, sorted_keys: Keys) -> Keys:
    """Those of `keys` that are in `sorted_keys`."""
    if not len(sorted_keys):
        return keys[:0]
    places = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: Keys = keys[sorted_keys[places] == keys]
    return found


def all_nearest(narratives: Sequence[Narrative]) -> dict[str, Match]:
    """`nearest` for every assessable narrative, the candidates found in memory."""
    sharing = Sharing.of(narratives)
    found: dict[str, Match] = {}
    for position, narrative in enumerate(narratives):
        if narrative.assessable:
            candidates = (narratives[other] for other in sharing.others(position))
            found[narrative.id] = nearest(narrative, candidates)
    return found


def reuse(narrative: Narrative | None, previous: Narrative | None, match: Match, threshold: float) -> Reuse:
    """The stored result: the share found in the office's previous report and in the nearest one,
    flagged at `threshold`. Not assessable (all null) for a narrative too short to judge."""
    if narrative is None or not narrative.assessable:
        return Reuse()
    earlier = previous if previous is not None and previous.is_earlier_original_of(narrative) else None
    previous_score = None if earlier is None else round(containment(narrative.shingles, earlier.shingles), 4)
    nearest_score = round(match.score, 4)
    return Reuse(
        previous=previous_score,
        previous_report_id=None if earlier is None else earlier.id,
        nearest=nearest_score,
        nearest_report_id=match.report_id,
        flagged=max(previous_score or 0.0, nearest_score) >= threshold,
    )
