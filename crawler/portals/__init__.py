"""Fixture portals: imitation government portals served on 127.0.0.1, for tests, benchmarks and the demo.

    with PortalServer.fixture(seed=7) as server:
        trs = server.portal("trs")          # also "nextlink", "query", "gbk" (and "rough")
        trs.home_url, trs.site()            # where to start, as a configured site
        trs.truth().reports                 # the report URLs a perfect crawl finds
        trs.add_report(); trs.revise(key)   # change the portal between crawls
        server.hits("trs")                  # every request the portal received

`build_rough_portal()`, `build_jcms_portal()`, `build_gkmlpt_portal()`, `build_sitemap_portal()` and
`build_pictures_portal()` (scans: tables as pictures, a JPG report; OCR) make one portal each, for
`PortalServer([portal])`.
"""

from crawler.portals.catalog import (
    Entry,
    Portal,
    Truth,
    build_gkmlpt_portal,
    build_jcms_portal,
    build_pictures_portal,
    build_portals,
    build_rough_portal,
    build_sitemap_portal,
)
from crawler.portals.server import Hit, PortalServer

__all__ = [
    "Entry",
    "Hit",
    "Portal",
    "PortalServer",
    "Truth",
    "build_gkmlpt_portal",
    "build_jcms_portal",
    "build_pictures_portal",
    "build_portals",
    "build_rough_portal",
    "build_sitemap_portal",
]
