"""Chinese word segmentation for the index and for queries, done in Python.

The local Elasticsearch has no Chinese analysis plugin and no custom tokenizers,
so text is segmented here with jieba (precise mode, no HMM: a query segments the
same way out of context as inside a document) and the tokens are joined by U+2009
THIN SPACE. The index's prebuilt ``whitespace`` analyzer splits on it, and because
the separator is the only thing added, ``unsegment`` restores the original exactly:
_source and highlight fragments go back to users unsegmented.

The backend is ``rjieba`` (jieba-rs): same dictionary and algorithm as Python
jieba, byte-identical output on our text, about 15x faster (see
docs/benchmarks.md). Python jieba stays available for the benchmark and for the
parity test that guards that choice.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Literal

SEPARATOR = "\u2009"
Backend = Literal["rjieba", "jieba"]
Cut = Callable[[str], list[str]]

_lock = threading.Lock()
_default_cut: Cut | None = None


@cache
def custom_words() -> tuple[tuple[str, int], ...]:
    """(word, frequency) pairs of the shipped dictionary ``indexer/dict/disclosure.dict``."""
    text = resources.files("indexer").joinpath("dict/disclosure.dict").read_text(encoding="utf-8")
    words = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, frequency = line.rsplit(" ", 1)
            words.append((word, int(frequency)))
    return tuple(words)


def load_backend(backend: Backend = "rjieba") -> Cut:
    """A fresh segmenter with the custom words loaded (about 0.4 s for rjieba, 1.4 s for jieba)."""
    if backend == "rjieba":
        import rjieba

        segmenter = rjieba.Jieba()
        for word, frequency in custom_words():
            segmenter.add_word(word, frequency, None)
        return lambda text: list(segmenter.cut(text, hmm=False))

    import jieba

    jieba.setLogLevel(60)  # jieba logs its cache loading at INFO on every start
    tokenizer = jieba.Tokenizer()
    for word, frequency in custom_words():
        tokenizer.add_word(word, frequency)
    return lambda text: list(tokenizer.cut(text, HMM=False))


def _cut(text: str) -> list[str]:
    # Initialised once per process, on first use: importing this module stays cheap.
    global _default_cut
    if _default_cut is None:
        with _lock:
            if _default_cut is None:
                _default_cut = load_backend()
    return _default_cut(text)


def normalise(text: str) -> str:
    """The text as indexed: any THIN SPACE of the source is dropped so it can mark token bounds."""
    return text.replace(SEPARATOR, "")


def tokens(text: str) -> list[str]:
    """jieba tokens of the normalised text, whitespace and punctuation included (lossless)."""
    return _cut(normalise(text))


# Whitespace already splits tokens for the analyzer, so no separator is needed beside
# it; dropping those cuts the stored size of table-heavy reports by about a quarter.
_COMMON_WHITESPACE = ("\n", "\t", " ")


def segment(text: str) -> str:
    """Tokens joined by U+2009: the form stored in the index's segmented fields."""
    joined = SEPARATOR.join(tokens(text))
    for space in _COMMON_WHITESPACE:
        joined = joined.replace(SEPARATOR + space, space).replace(space + SEPARATOR, space)
    return joined


def unsegment(text: str) -> str:
    """The original text of a segmented value or highlight fragment."""
    return text.replace(SEPARATOR, "")


def _is_word(token: str) -> bool:
    # Letters (CJK included) and digits make a word; punctuation, symbols and spaces do not.
    return any(unicodedata.category(char)[0] in "LN" for char in token)


def query_terms(text: str) -> list[str]:
    """The words of a user query as the index holds them: jieba tokens, no punctuation or spaces.

    Case is kept, as in the index (which stores the original text); the
    ``standard``-analysed ``.std`` subfields match Latin words case-insensitively.
    """
    return [token for token in tokens(text) if _is_word(token)]
