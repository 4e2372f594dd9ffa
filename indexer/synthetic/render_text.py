"""Plain-text layouts of a synthetic report, as text extracted from real pages looks.

- `cell_per_line` (seeds 000/001): each table cell on its own TAB-led line, rows
  separated by blank lines; a colspan cell appears once, a rowspan cell leaves an
  empty line in each row below it (as Word's vertically merged cells copy out).
- `tab_rows` (seeds 002–004): one row per line, cells TAB-separated, full width;
  long labels may continue on the next line.
- `pipes`: Markdown-ish `| a | b |` rows with a `|---|` line under each table's first row.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from indexer.synthetic.document import Heading, Paragraph, blocks
from indexer.synthetic.forms import Grid
from indexer.synthetic.report import SyntheticReport

_PADDINGS = ("", "", "", " ", "  ", "　", "　　")


def _heading(block: Heading, markdown: bool) -> str:
    if markdown:
        return f"{'#' * (block.level + 1)} {block.text}"
    return block.text


def _padded(text: str, rng: random.Random) -> str:
    """Stray spaces around numbers, as copied cells often have (seed 000's ` 0`, seed 001's `　　0`)."""
    if not text or not text.lstrip("+-").replace(".", "").isdigit():
        return text
    return rng.choice(_PADDINGS) + text + rng.choice(_PADDINGS)


def _cell_per_line(grid: Grid, rng: random.Random) -> list[str]:
    rows: list[str] = []
    for r, line in enumerate(grid.owners()):
        cells = [cell.text if cell.row == r else "" for c, cell in enumerate(line) if cell.col == c]
        rows.append("\n".join(f"\t{_padded(text, rng)}" for text in cells))
    return ["\n\n".join(rows), "", ""]


def _split_label(row: list[str], width: int) -> list[list[str]]:
    """A data row whose longest label exceeds `width` continues that label on a second line."""
    lengths = [len(text) if not text.lstrip("+-").replace(".", "").isdigit() else 0 for text in row]
    longest = max(range(len(row)), key=lengths.__getitem__)
    if width == 0 or lengths[longest] <= width:
        return [row]
    head, tail = row[longest][:width], row[longest][width:]
    continuation = [""] * len(row)
    continuation[longest] = tail
    return [[*row[:longest], head, *row[longest + 1 :]], continuation]


def _tab_rows(grid: Grid, wrap_width: int) -> list[str]:
    header_rows = {cell.row for cell in grid.cells if cell.header}
    lines: list[str] = []
    for r, row in enumerate(grid.expanded()):
        cells = [text.replace("\n", "") for text in row]
        for part in [cells] if r in header_rows else _split_label(cells, wrap_width):
            lines.append("\t".join(part))
    return lines


def _pipes(grid: Grid) -> list[str]:
    lines = ["| " + " | ".join(text.replace("\n", "") for text in row) + " |" for row in grid.expanded()]
    lines.insert(1, "|" + "---|" * grid.width)
    return lines


def _render(report: SyntheticReport, table: Callable[[Grid], list[str]]) -> bytes:
    lines: list[str] = []
    for block in blocks(report):
        if isinstance(block, Heading):
            lines += [_heading(block, report.style.markdown_headings), ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        else:
            lines += [*table(block.grid), ""]
    return "\n".join(lines).encode("utf-8")


def cell_per_line(report: SyntheticReport) -> bytes:
    rng = random.Random(report.truth.id)
    return _render(report, lambda grid: _cell_per_line(grid, rng))


def tab_rows(report: SyntheticReport) -> bytes:
    return _render(report, lambda grid: _tab_rows(grid, report.style.wrap_width))


def pipes(report: SyntheticReport) -> bytes:
    return _render(report, _pipes)
