"""The parser's cache of short texts: same answers, and long texts never kept."""

from __future__ import annotations

from indexer.parser.memo import short_text_cache


def test_short_texts_are_computed_once_and_long_ones_every_time() -> None:
    seen: list[str] = []

    @short_text_cache(limit=5, maxsize=2)
    def length(text: str) -> int:
        seen.append(text)
        return len(text)

    assert [length(text) for text in ("ab", "ab", "abcdef", "abcdef", "ab")] == [2, 2, 6, 6, 2]
    assert seen == ["ab", "abcdef", "abcdef"]
    assert length.__name__ == "length"


def test_the_cache_forgets_the_least_recently_used() -> None:
    seen: list[str] = []

    @short_text_cache(limit=5, maxsize=2)
    def upper(text: str) -> str:
        seen.append(text)
        return text.upper()

    for text in ("a", "b", "c", "a"):
        upper(text)
    assert seen == ["a", "b", "c", "a"]
