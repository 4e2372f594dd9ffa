"""Parsing speed of this tree against an earlier commit, on the same corpus, in paired runs.

    .venv/bin/python bench/parse_compare.py --base e92b4ac [--rounds 15] [--reports 150] [--binary 30]

The machine's speed drifts from minute to minute, and other work shares its two cores, so
two benches run one after the other compare two machines as much as two versions. Here one
seeded corpus (txt `tab_rows`, HTML portal pages, PDF) is rendered once, with the generator's
new options off, so it is the corpus both versions were built for. For each file type the
old code and the new run at once, each in a process of its own, both pinned to the same core;
each round both parse the whole corpus, and the next round starts when both are done, so
whatever else the machine does in a round slows both alike. The figure is the ratio new/old
of reports per CPU second within each round: its median over the rounds, its best and its
worst are written to docs/benchmarks.md.
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
# Run inside the tree being measured (its folder first on sys.path), pinned to the core named in
# argv[3]: each line on stdin starts one pass over the corpus, answered by its CPU seconds.
_WORKER = """
import os, sys, time
from pathlib import Path
os.sched_setaffinity(0, {int(sys.argv[3])})
from indexer.documents import parse_bytes
items = [path.read_bytes() for path in sorted(Path(sys.argv[1]).iterdir())]
for data in items[:5]:
    parse_bytes(data, format=sys.argv[2])
print("ready", flush=True)
for _ in sys.stdin:
    start = time.process_time()
    for data in items:
        parse_bytes(data, format=sys.argv[2])
    print(time.process_time() - start, flush=True)
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


class Worker:
    """One version's parser in a process of its own, running a pass over the corpus when told."""

    def __init__(self, tree: Path, files: Path, format: str, core: int) -> None:
        self.tree = tree
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(files), format, str(core)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._answer()  # "ready": imported and warmed up

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the parser of {self.tree} ended early")
        return line.strip()

    def start_pass(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def seconds(self) -> float:
        return float(self._answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def paired_passes(trees: dict[str, Path], files: Path, format: str, rounds: int) -> list[dict[str, float]]:
    """CPU seconds of each version's pass, round by round, both versions running at once on one core:
    whatever else the machine does in a round slows both alike."""
    core = min(os.sched_getaffinity(0))
    workers = {name: Worker(tree, files, format, core) for name, tree in trees.items()}
    try:
        passes = []
        for _ in range(rounds):
            for worker in workers.values():
                worker.start_pass()
            passes.append({name: worker.seconds() for name, worker in workers.items()})
        return passes
    finally:
        for worker in workers.values():
            worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the earlier commit to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--reports", type=int, default=150, help="txt and HTML reports")
    parser.add_argument("--binary", type=int, default=30, help="PDF reports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        files = corpus(Path(scratch, "corpus"), args.reports, args.binary)
        old = checkout(args.base, Path(scratch, "old"))
        trees = {"old": old, "new": ROOT}
        ratios: dict[str, list[float]] = {format: [] for format in files}
        rates: dict[tuple[str, str], list[float]] = {}
        for format, folder in files.items():
            count = len(list(folder.iterdir()))
            for number, seconds in enumerate(paired_passes(trees, folder, format, args.rounds), 1):
                for name, value in seconds.items():
                    rates.setdefault((name, format), []).append(count / value)
                ratios[format].append(seconds["old"] / seconds["new"])
                old_rate, new_rate = count / seconds["old"], count / seconds["new"]
                ratio = ratios[format][-1]
                print(
                    f"round {number} {format}: old {old_rate:.1f}/s new {new_rate:.1f}/s ratio {ratio:.3f}",
                    flush=True,
                )
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
            f"Base: `{revision}`. {args.rounds} paired rounds over one seeded corpus"
            f" ({args.reports} txt and HTML reports, {args.binary} PDFs): in each, both versions parse"
            " the corpus at once, each in its own process, both pinned to one core. Rates are reports"
            " per CPU second, ratios new/old within a round (≥ 1: as fast).",
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
