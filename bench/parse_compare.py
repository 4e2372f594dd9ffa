"""Parsing speed of this tree against an earlier commit, on the same corpus, in interleaved runs.

    .venv/bin/python bench/parse_compare.py --base e92b4ac [--rounds 7] [--reports 150] [--binary 30]

The machine's speed drifts from minute to minute, so two benches run one after the other
compare two machines as much as two versions. Here one seeded corpus (txt `tab_rows`,
HTML portal pages, PDF) is rendered once, with the generator's new options off, so it
is the corpus both versions were built for; then each round parses every file type
with the old code and with the new, in alternating order, each in a fresh process
pinned to one core, each taking the best of three passes. The figure is the ratio new/old
of reports per CPU second within each round: its median over the rounds, and its best, are
written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from _machine import ROOT, stamp, write_section

from indexer.synthetic import random_report, render

LAYOUTS = {"txt": "tab_rows", "html": "html", "pdf": "pdf"}
# Run inside the tree being measured (its folder first on sys.path): reports per CPU second.
_TIMER = """
import os, sys, time
from pathlib import Path
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from indexer.documents import parse_bytes
files = sorted(Path(sys.argv[1]).iterdir())
items = [path.read_bytes() for path in files]
parse_bytes(items[0], format=sys.argv[2])
best = float("inf")
for _ in range(3):  # the best of three passes: the one least slowed by the machine's other work
    start = time.process_time()
    for data in items:
        parse_bytes(data, format=sys.argv[2])
    best = min(best, time.process_time() - start)
print(len(items) / best)
"""


def corpus(folder: Path, reports: int, binary: int) -> dict[str, Path]:
    """The seeded documents of each file type, one file each, under `folder/<format>/`."""
    out: dict[str, Path] = {}
    for seed, (format, layout) in enumerate(LAYOUTS.items()):
        rng = random.Random(seed)
        target = folder / format
        target.mkdir(parents=True)
        count = binary if format == "pdf" else reports
        for index in range(count):
            report = random_report(rng, blank_cells=rng.choice((0, 1)))
            (target / f"{index:05d}.{format}").write_bytes(render(report, layout))
        out[format] = target
    return out


def checkout(revision: str, folder: Path) -> Path:
    """The tree of `revision`, as files (git archive), without touching this checkout's state."""
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def rate(tree: Path, files: Path, format: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _TIMER, str(files), format],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reports", type=int, default=150, help="txt and HTML reports")
    parser.add_argument("--binary", type=int, default=30, help="PDF reports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        files = corpus(Path(scratch, "corpus"), args.reports, args.binary)
        old = checkout(args.base, Path(scratch, "old"))
        trees = {"old": old, "new": ROOT}
        ratios: dict[str, list[float]] = {format: [] for format in files}
        rates: dict[tuple[str, str], list[float]] = {}
        for round_number in range(args.rounds):
            order = ("old", "new") if round_number % 2 == 0 else ("new", "old")
            for format, folder in files.items():
                measured = {name: rate(trees[name], folder, format) for name in order}
                for name, value in measured.items():
                    rates.setdefault((name, format), []).append(value)
                ratios[format].append(measured["new"] / measured["old"])
                print(f"round {round_number + 1} {format}: old {measured['old']:.1f}/s"
                      f" new {measured['new']:.1f}/s ratio {ratios[format][-1]:.3f}", flush=True)  # fmt: skip
    revision = subprocess.run(
        ["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    rows = [
        f"| {format} | {statistics.median(rates[('old', format)]):.1f}"
        f" | {statistics.median(rates[('new', format)]):.1f}"
        f" | {statistics.median(values):.3f} | {max(values):.3f} | {min(values):.3f} |"
        for format, values in ratios.items()
    ]
    body = "\n".join(
        [
            "## Parsing, this tree against an earlier commit (`bench/parse_compare.py`)",
            "",
            stamp(),
            f"Base: `{revision}`. {args.rounds} interleaved rounds over one seeded corpus"
            f" ({args.reports} txt and HTML reports, {args.binary} PDFs), each version in a fresh process"
            " pinned to one core; rates are reports per CPU second (best of three passes), ratios new/old"
            " within a round (≥ 1: as fast).",
            "",
            "| file type | old reports/s (median) | new reports/s (median) | ratio, median | best | worst |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section("parse-compare", body)
    print(body)


if __name__ == "__main__":
    main()
