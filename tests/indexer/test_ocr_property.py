"""OCR over many generated scans: ≥ 99% of the non-zero cells exact, and every other cell exact
or null with a warning naming it. Never another number.

The scans are drawn by `ScanStyle.draw` (150–300 dpi, with and without rulings, turned up
to ±2°, grey paper, a red seal over part of a table, JPEG noise), of both templates; most
are image-only PDFs, every fourth one picture of the whole report, as attachments come.
Their narrative is cut to one paragraph a section (the tables are what is checked, and reading
text is most of OCR's cost), so the 60 scans take about 3 minutes of two cores. They are all
read once, on every core, by a module-scoped fixture; the tests check the results.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context

import pytest
from synthetic_truth import cells, is_named, named_paths

from govreports.model import Format, Report
from indexer.synthetic import SyntheticReport, random_report
from indexer.synthetic.render_scan import ScanStyle, image, image_pdf

SCANS = 60
# Issue 16's gate is 0.99. Measured 0.9978 (2,235 of 2,240) on these scans, none wrong; the cells
# missed are null with a warning: a phantom character read beside a digit ("2里", one row of a
# ruled table) and an unruled table turned 1.7° whose columns drift from row to row.
NON_ZERO_EXACT = 0.997

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Scan:
    seed: int
    synthetic: SyntheticReport
    style: ScanStyle
    format: Format

    @classmethod
    def of(cls, seed: int) -> Scan:
        rng = random.Random(seed)
        synthetic = random_report(rng, template="2019" if seed % 2 else "2021")
        narrative = synthetic.narrative
        brief = replace(narrative, overview=narrative.overview[:1], problems=narrative.problems[:1])
        return cls(seed, replace(synthetic, narrative=brief), ScanStyle.draw(rng),
                   "image" if seed % 4 == 3 else "pdf")

    def data(self) -> bytes:
        render = image if self.format == "image" else image_pdf
        return render(self.synthetic, self.style, seed=self.seed)


def read(seed: int) -> Report:
    """One scan rendered and parsed (in a worker process)."""
    from indexer.documents import parse_bytes

    scan = Scan.of(seed)
    return parse_bytes(scan.data(), format=scan.format, ocr=True)


@pytest.fixture(scope="module")
def parsed() -> Iterator[dict[int, Report]]:
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        yield dict(zip(range(SCANS), pool.map(read, range(SCANS)), strict=True))


def wrong_cells(report: Report, synthetic: SyntheticReport) -> list[str]:
    """Cells neither exact nor null with a warning naming them."""
    named = named_paths(report.warnings)
    got, want = cells(report), cells(synthetic.truth)
    return [
        f"{path}: parsed {got.get(path)!r}, printed {want.get(path)!r}"
        for path in sorted(set(got) | set(want))
        if got.get(path) != want.get(path) and not (got.get(path) is None and is_named(path, named))
    ]


@pytest.mark.timeout(1800)  # the reading: about 3 minutes on two cores of its own; more when shared
def test_every_cell_is_exact_or_null_and_named(parsed: dict[int, Report]) -> None:
    wrong = {seed: wrong_cells(report, Scan.of(seed).synthetic) for seed, report in parsed.items()}
    wrong = {seed: found for seed, found in wrong.items() if found}
    assert wrong == {}
    assert all(report.ocr for report in parsed.values())


def test_non_zero_cells_are_exact(parsed: dict[int, Report]) -> None:
    exact = total = 0
    for seed, report in parsed.items():
        got = cells(report)
        for path, value in cells(Scan.of(seed).synthetic.truth).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and value:
                total += 1
                exact += got.get(path) == value
    assert total > 20 * SCANS
    assert exact / total >= NON_ZERO_EXACT, f"{exact} of {total} non-zero cells exact"


def test_the_scans_show_every_variation() -> None:
    scans = [Scan.of(seed) for seed in range(SCANS)]
    styles = [scan.style for scan in scans]
    assert {scan.synthetic.truth.template for scan in scans} == {"2019", "2021"}
    assert {scan.format for scan in scans} == {"pdf", "image"}
    assert min(s.dpi for s in styles) == 150 and max(s.dpi for s in styles) == 300
    assert {s.rulings for s in styles} == {True, False}
    assert min(s.angle for s in styles) < -1.5 and max(s.angle for s in styles) > 1.5
    assert any(s.seal for s in styles) and any(s.jpeg_quality for s in styles)
    assert all(s.paper < 250 for s in styles)
