"""Many fixture portals at once, each on a loopback host of its own: for national-scale crawl tests.

    portals = build_many_portals(20, seed=3, reports=3)
    with PortalServer(portals, addresses=loopback_addresses(20)) as server: ...

Linux routes all of 127.0.0.0/8 to the loopback interface, so 127.x.y.z are distinct
hosts that need no setup. The portals cycle through the four CMS families.
"""

from __future__ import annotations

import random

from crawler.portals.catalog import FAMILIES, Portal
from crawler.portals.styles import STYLES
from govreports.model import Region
from indexer.synthetic.vocabulary import PLACES

# Addresses per third octet: 127.x.y.1 … 127.x.y.250.
_PER_OCTET = 250


def loopback_addresses(count: int) -> list[str]:
    """`count` distinct loopback addresses from 127.1.0.1 on (127.0.0.1 left to everything else)."""
    addresses = []
    for index in range(count):
        high, low = divmod(index, _PER_OCTET)
        addresses.append(f"127.{1 + high // _PER_OCTET}.{high % _PER_OCTET}.{1 + low}")
    return addresses


def build_many_portals(count: int, *, seed: int, reports: int, page_size: int = 5,
                       pages_only: bool = False) -> list[Portal]:
    """`count` county portals named p0001…, each with `reports` reports, noise and the usual special cases.

    `pages_only`: every report is a web page (no PDF or Word attachment), cheap to serve by the thousand.
    """
    portals = []
    for index in range(count):
        family, encoding = FAMILIES[index % len(FAMILIES)]
        province, city, county = PLACES[(seed + index) % len(PLACES)]
        portal = Portal(
            name=f"p{index + 1:04d}",
            style=STYLES[family],
            seed=seed,
            region=Region(province=province, city=city, county=county),
            level="county",
            site_name=f"{county}人民政府",
            encoding=encoding,
            page_size=page_size,
            slow_seconds=0.0,
        )
        portal.populate(random.Random(f"{seed}:{portal.name}"), reports)
        if pages_only:
            for entry in portal.entries:
                if entry.kind == "report":
                    entry.layout = "html_gbk" if encoding == "gbk" else "html"
                    entry.attachment_path = None
        portals.append(portal)
    return portals
