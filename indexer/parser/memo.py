"""A cache for the parser's pure functions of one short text (a table line, a row label).

The national form prints the same labels, headers and rows of zeros in every report,
so most table lines and labels have been seen before. Long texts (paragraphs) rarely
repeat and would fill the cache's memory: they bypass it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

R = TypeVar("R")


def short_text_cache(limit: int, maxsize: int = 4096) -> Callable[[Callable[[str], R]], Callable[[str], R]]:
    """`function(text)`, remembered for the last `maxsize` texts of at most `limit` characters."""

    def decorate(function: Callable[[str], R]) -> Callable[[str], R]:
        cached = lru_cache(maxsize=maxsize)(function)

        # A plain closure: it costs half as much per call as an object's __call__ would.
        @wraps(function)
        def call(text: str) -> R:
            return cached(text) if len(text) <= limit else function(text)

        return call

    return decorate
