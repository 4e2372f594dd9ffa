"""How fast jieba, rjieba and fast-jieba segment report text, and whether they agree.

    .venv/bin/python bench/segment.py [--reports 400]

Every backend gets the same custom dictionary (indexer/dict/disclosure.dict) and
runs in precise mode without HMM, as the index does. Reports: initialisation time,
characters per second on one core, whether the custom words stay whole, and whether
the tokens equal Python jieba's (the reference). fast-jieba is measured when it is
importable (it is not a project dependency; its sdist needs a Rust toolchain).
Writes its section of docs/benchmarks.md (between the bench:segment markers).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from _machine import stamp, write_section

from indexer.segment import Cut, custom_words, load_backend
from indexer.synthetic import random_report, render

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
REPEATS = 3


def corpus(reports: int) -> list[str]:
    rng = random.Random(2024)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    # The text as extracted from a page: narrative plus tables, one row per line, cells TAB-separated.
    return texts + [render(random_report(rng), "tab_rows").decode("utf-8") for _ in range(reports)]


def fast_jieba_backend() -> Cut | None:
    try:
        import fast_jieba  # type: ignore[import-not-found]
    except ImportError:
        return None
    segmenter = fast_jieba.Jieba()
    for word, frequency in custom_words():
        segmenter.add_word(word, frequency, None)
    return lambda text: list(segmenter.cut(text, False))


def timed(build: Callable[[], Cut | None]) -> tuple[Cut | None, float]:
    started = time.perf_counter()
    cut = build()
    return cut, time.perf_counter() - started


def measure(name: str, cut: Cut, init_s: float, texts: list[str], reference: list[list[str]]) -> str:
    cut(texts[0])  # anything lazy happens outside the timing
    elapsed = float("inf")
    for _ in range(REPEATS):  # best of a few: other work on the machine only ever slows a run down
        started = time.perf_counter()
        tokens = [cut(text) for text in texts]
        elapsed = min(elapsed, time.perf_counter() - started)
    characters = sum(len(text) for text in texts)
    whole = sum(word in cut(f"关于{word}的情况") for word, _ in custom_words())
    same = sum(ours == theirs for ours, theirs in zip(tokens, reference, strict=True))
    return (
        f"| {name} | {init_s:.2f} s | {characters / elapsed / 1e6:.2f} M | "
        f"{whole}/{len(custom_words())} | {same}/{len(texts)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--reports", type=int, default=400, help="synthetic report texts besides the seeds")
    arguments = parser.parse_args()
    texts = corpus(arguments.reports)
    characters = sum(len(text) for text in texts)

    jieba_cut, jieba_init = timed(lambda: load_backend("jieba"))
    assert jieba_cut is not None
    reference = [jieba_cut(text) for text in texts]
    rows = [measure("jieba 0.42 (Python)", jieba_cut, jieba_init, texts, reference)]
    rjieba_cut, rjieba_init = timed(lambda: load_backend("rjieba"))
    assert rjieba_cut is not None
    rows.append(measure("rjieba (jieba-rs)", rjieba_cut, rjieba_init, texts, reference))
    fast_cut, fast_init = timed(fast_jieba_backend)
    if fast_cut is None:
        rows.append("| fast-jieba (jieba-rs) | not installed | | | |")
    else:
        rows.append(measure("fast-jieba (jieba-rs)", fast_cut, fast_init, texts, reference))

    body = "\n".join(
        [
            "## Segmentation (`bench/segment.py`)",
            "",
            stamp(),
            f"Corpus: the 5 seed reports and {arguments.reports} synthetic report texts, "
            f"{characters / 1e6:.2f} M characters; precise mode, no HMM, custom dictionary loaded; one core, "
            f"best of {REPEATS}.",
            "",
            "| backend | initialisation | characters/s | custom words kept whole | same tokens as jieba |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section("segment", body)
    print(body)


if __name__ == "__main__":
    main()
