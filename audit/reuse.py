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
from collections.abc import Iterable, Mapping, Sequence
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


@dataclass(frozen=True)
class Fingerprint:
    """A narrative's sentences (their keys) and its kept shingles, each with its sentence."""

    keys: Keys  # one per sentence; NO_KEY for a short one
    shingles: Hashes
    owners: npt.NDArray[np.int32]  # the sentence of each shingle

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
        return Fingerprint(np.empty(0, np.int64), np.empty(0, np.uint32), np.empty(0, np.int32))
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    separator = codes == 0
    sentence = np.cumsum(separator) - separator  # a separator counts with the sentence it ends
    count = int(separator.sum()) + 1
    keys = _sentence_keys(codes, sentence, count)
    windows = len(codes) - SHINGLE + 1
    if windows <= 0:
        return Fingerprint(keys, np.empty(0, np.uint32), np.empty(0, np.int32))
    hashes = np.zeros(windows, dtype=np.uint64)
    for offset in range(SHINGLE):
        hashes = hashes * _BASE + codes[offset : offset + windows]
    separators = np.concatenate(([0], np.cumsum(separator)))
    whole = separators[SHINGLE:] == separators[:windows]  # no separator inside the window
    mixed = _mixed(hashes)
    kept = whole & ((mixed & np.uint64(SAMPLE_MASK)) == 0)
    owners = sentence[:windows][kept].astype(np.int32)
    return Fingerprint(keys, (mixed[kept] >> np.uint64(32)).astype(np.uint32), owners)


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


def sentence_counts(fingerprints: Iterable[Fingerprint], at_least: int = 1) -> dict[int, int]:
    """In how many reports each sentence key occurs, for the keys in `at_least` reports (counted in
    numpy: a hundred thousand reports hold millions of keys, most in one report)."""
    per_report = [np.unique(print_.keys[print_.keys != NO_KEY]) for print_ in fingerprints]
    if not per_report:
        return {}
    keys, counts = np.unique(np.concatenate(per_report), return_counts=True)
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
    kept = scored[print_.owners] if len(print_.owners) else np.zeros(0, bool)
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


def candidate_ids(narratives: Sequence[Narrative]) -> list[set[int]]:
    """For each narrative, the positions of the others sharing a key with it (any order): the keys
    of all of them sorted together, and only the runs of one key in several narratives visited."""
    found: list[set[int]] = [set() for _ in narratives]
    sizes = [len(narrative.keys) for narrative in narratives]
    if not sum(sizes):
        return found
    keys = np.concatenate([narrative.keys for narrative in narratives])
    owners = np.repeat(np.arange(len(narratives)), sizes)
    order = np.argsort(keys, kind="stable")
    keys, owners = keys[order], owners[order]
    bounds = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1, [len(keys)]))
    starts, ends = bounds[:-1], bounds[1:]
    shared = ends - starts > 1
    for start, end in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        sharing = owners[start:end].tolist()
        for position in sharing:
            found[position].update(sharing)
    for position, others in enumerate(found):
        others.discard(position)
    return found


def all_nearest(narratives: Sequence[Narrative]) -> dict[str, Match]:
    """`nearest` for every assessable narrative, the candidates found in memory."""
    found: dict[str, Match] = {}
    for narrative, others in zip(narratives, candidate_ids(narratives), strict=True):
        if narrative.assessable:
            found[narrative.id] = nearest(narrative, (narratives[other] for other in others))
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
