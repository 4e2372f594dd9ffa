"""Report documents for the fixture portals, from the synthetic report generator.

Every report is fixed by (portal seed, entry key, revision): the same portal serves
the same bytes on every run, and a revision serves different ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from govreports.model import Level, Region
from indexer.synthetic import SyntheticReport, random_report, render
from indexer.synthetic.render_pictures import html_with_table_pictures, image_attachment
from indexer.synthetic.render_scan import ScanStyle

# Reports on 2021 and later years follow the 2021 national template.
_TEMPLATE_2021_FROM = 2021
# Scans as small offices post them: ruled tables at 200 dpi on light grey paper, saved as JPEG.
SCAN_STYLE = ScanStyle(dpi=200, rulings=True, paper=238, jpeg_quality=85)
# Layouts of scans, and the file type each serves (a page's tables as pictures, a report as a JPG).
PICTURE_LAYOUTS = {"html_pictures": "html", "jpg": "jpg"}


@dataclass(frozen=True)
class ReportIdentity:
    """What stays the same across revisions of one report."""

    office: str
    year: int
    level: Level
    place: tuple[str | None, str | None, str | None]  # province, city, county

    @property
    def region(self) -> Region:
        province, city, county = self.place
        return Region(province=province, city=city, county=county)


def _generate(seed: int, key: str, revision: int, year: int, region: Region, office: str | None,
              level: Level) -> SyntheticReport:
    return random_report(
        random.Random(f"{seed}:{key}:{revision}"),
        template="2021" if year >= _TEMPLATE_2021_FROM else "2019",
        year=year,
        office=office,
        region=region,
        level=level,
    )


def new_identity(seed: int, key: str, *, year: int, region: Region, level: Level) -> ReportIdentity:
    """Choose the office of a new report (the generator picks a plausible one for the region)."""
    report = _generate(seed, key, 0, year, region, None, level)
    place = (region.province, region.city, region.county)
    return ReportIdentity(office=report.truth.office or "", year=year, level=level, place=place)


def report_of(seed: int, key: str, revision: int, identity: ReportIdentity) -> SyntheticReport:
    """The synthetic report a revision prints: its truth, for tests of what a crawl read."""
    return _generate(seed, key, revision, identity.year, identity.region, identity.office, identity.level)


@lru_cache(maxsize=4096)
def report_bytes(seed: int, key: str, revision: int, identity: ReportIdentity, layout: str) -> bytes:
    """The document of one report revision, printed in a synthetic layout (html, html_gbk, pdf, docx).

    Cached: rendering a PDF takes a tenth of a second, and every test builds the same portals.
    """
    report = _generate(seed, key, revision, identity.year, identity.region, identity.office, identity.level)
    if layout == "jpg":
        return image_attachment(report, SCAN_STYLE)
    return render(report, layout)


@lru_cache(maxsize=64)
def page_with_pictures(seed: int, key: str, revision: int, identity: ReportIdentity, stem: str,
                       scan: int) -> tuple[bytes, dict[str, bytes]]:
    """A report page whose tables are pictures (`<img src="<stem>_<table>.jpg">`), and the pictures
    by src. `scan` numbers the scanning: another scan of the same tables is other bytes."""
    report = _generate(seed, key, revision, identity.year, identity.region, identity.office, identity.level)
    return html_with_table_pictures(report, SCAN_STYLE, seed=scan, source=lambda name: f"{stem}_{name}.jpg")
