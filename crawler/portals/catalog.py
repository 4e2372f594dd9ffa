"""The fixture portals as data: entries, their URLs, what each path serves, and the truth.

A portal is a list of `Entry` (reports and noise) laid out by a `Style`. Everything
is drawn from one seed, so the same portals come out every time; `add_report` and
`revise` change a portal while it is served, as real portals change between crawls.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from crawler.portals import content, pages
from crawler.portals.styles import STYLES, GkmlptStyle, Item, JcmsStyle, SitemapStyle, Style, StyleName
from crawler.sites import Site
from govreports.model import Level, Region
from indexer.synthetic import FORMATS, SyntheticReport
from indexer.synthetic.vocabulary import PLACES

EntryKind = Literal["report", "noise", "disallowed", "broken", "failing"]
# How a detail page (or, for "huge", its attachment) answers: misbehaviours for robustness tests.
Behaviour = Literal["normal", "hang", "reset", "huge", "error"]

# The four imitated CMS families and the encoding each portal writes.
FAMILIES: tuple[tuple[StyleName, str], ...] = (("trs", "utf-8"), ("nextlink", "utf-8"), ("query", "utf-8"),
                                               ("gbk", "gbk"))
# The file type each layout serves ("html": the detail page itself).
FILE_TYPES: dict[str, str] = {**FORMATS, **content.PICTURE_LAYOUTS}
# How each style publishes its reports: page layouts and attachment types, in turn.
LAYOUTS: dict[StyleName, tuple[str, ...]] = {
    "trs": ("html", "pdf", "docx"),
    "nextlink": ("html", "docx"),
    "query": ("html", "pdf"),
    "gbk": ("html_gbk", "pdf"),
    "jcms": ("html", "docx"),
    "gkmlpt": ("pdf", "html", "docx"),
    "sitemap": ("html", "pdf"),
    "rough": ("html",),
}
REPORT_TITLES = (
    "{office}{year}年政府信息公开工作年度报告",
    "{year}年度{office}政府信息公开工作年度报告",
    "{office}{year}年度 政府信息公开工作年度报告",
    "{office}{year}年信息公开年度报告",
    "{office}{year}年度政府信息公开工作报告",
)
NOISE_TITLES = (
    "关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知",
    "{year}年政务公开工作要点",
    "{county}{year}年度工作计划",
    "《{county}人民政府{year}年政府信息公开工作年度报告》解读",
    "{county}人民政府政府信息公开指南",
    "{county}{year}年法治政府建设年度报告",
    "{county}召开{year}年政务公开工作推进会",
)
HUGE_BYTES = 300 * 1024 * 1024
# The rough portal's failing report links, and the layout each pretends to have.
MISBEHAVIOURS: tuple[tuple[Behaviour, str], ...] = (("error", "html"), ("hang", "html"), ("reset", "html"),
                                                    ("huge", "pdf"))


@dataclass
class Entry:
    """One listing line and the pages behind it."""

    key: str
    kind: EntryKind
    title: str
    published: date
    detail_path: str
    link_path: str  # what the listing links to: the detail page, or a path redirecting to it
    layout: str | None = None  # reports: the synthetic layout of the document
    attachment_path: str | None = None  # reports published as an attachment behind a stub page
    identity: content.ReportIdentity | None = None
    revision: int = 0
    slow: bool = False
    behaviour: Behaviour = "normal"
    corrupt: bool = False  # the document carries bytes invalid in its declared encoding
    scan: int = 0  # layout html_pictures: bumped when the pictures are scanned again (new bytes)

    @property
    def document_path(self) -> str:
        """Where the report's own bytes are served: the attachment, else the detail page."""
        return self.attachment_path or self.detail_path


@dataclass(frozen=True)
class Resource:
    """What one path answers."""

    body: bytes
    content_type: str
    status: int = 200
    location: str | None = None
    validators: bool = False  # documents carry ETag/Last-Modified and honour conditional requests
    last_modified: date | None = None
    delay: float = 0.0
    behaviour: Behaviour = "normal"


@dataclass(frozen=True)
class Truth:
    """What a perfect crawl of the portal finds, as absolute URLs."""

    reports: frozenset[str]  # each report document (final URL after redirects)
    noise: frozenset[str]  # non-report items of the section: never fetched
    disallowed: frozenset[str]  # reports behind a robots.txt Disallow: never fetched
    broken: frozenset[str]  # report links answering 404
    failing: frozenset[str]  # report links that misbehave (500, hang, reset, oversized attachment)
    document_paths: frozenset[str]  # paths serving report bytes or their stub pages (for request counts)


@dataclass
class Portal:
    name: str
    style: Style
    seed: int
    region: Region
    level: Level
    site_name: str
    encoding: str = "utf-8"
    page_size: int = 5
    slow_seconds: float = 0.3
    entries: list[Entry] = field(default_factory=list)
    base_url: str = ""
    # A sub-column the listing links to that always answers 500 (robustness tests).
    failing_column: str | None = None
    # The listing's bytes carry a sequence invalid in its encoding (robustness tests).
    corrupt_listing: bool = False
    # Many portals ignore If-None-Match/If-Modified-Since and always answer 200 with the bytes.
    honours_conditional: bool = True
    _next_number: int = 5786500
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- what is served -------------------------------------------------------------

    def resolve(self, target: str) -> Resource | None:
        """The resource at `target` (path and query as requested), or None for a 404."""
        with self._lock:
            if isinstance(self.style, SitemapStyle) and (found := self._sitemap(self.style, target)):
                return found
            if target == "/robots.txt":
                return Resource(pages.robots_txt(self.style.disallowed_prefix).encode(), "text/plain")
            if target in ("/", "/index.html"):
                return self._html(pages.home_page(self.site_name, self.style, self._charset, self._news()))
            if target == self.style.hub_path:
                return self._html(pages.hub_page(self.site_name, self.style, self._charset))
            if target == self.failing_column:
                return self._html("<html><body>Internal Server Error</body></html>", status=500)
            if isinstance(self.style, GkmlptStyle) and (catalogue := self._gkmlpt(self.style, target)):
                return catalogue
            listing = self._listing_index(target)
            if listing is not None:
                return self._listing(listing)
            for entry in self.entries:
                resource = self._entry_resource(entry, target)
                if resource is not None:
                    return resource
            return None

    def resolve_post(self, target: str, form: dict[str, str]) -> Resource | None:
        """The answer to a POST: only a JCMS portal's feed takes one (its records in the asked range)."""
        style = self.style
        parts = urlsplit(target)
        if not isinstance(style, JcmsStyle) or parts.path != style.feed_path:
            return None
        if form.get("columnid") != style.column_id:
            return None  # the feed answers only with the column's own fields, as JCMS does
        asked = dict(parse_qsl(parts.query))
        first, last = int(asked.get("startrecord", "1")), int(asked.get("endrecord", "0"))
        with self._lock:
            chosen = self._ordered()[max(first, 1) - 1:last]
        listing = style.listing_path(0)
        lines = "".join(
            style.item_html(Item(entry.link_path, entry.title, entry.published), listing) for entry in chosen
        )
        return Resource(style.feed_answer(lines).encode(), "text/xml; charset=UTF-8")

    def truth(self) -> Truth:
        with self._lock:
            by_kind = {kind: [entry for entry in self.entries if entry.kind == kind] for kind in
                       ("report", "noise", "disallowed", "broken", "failing")}
            reports = by_kind["report"]
            return Truth(
                reports=frozenset(self.url(entry.document_path) for entry in reports),
                noise=frozenset(self.url(entry.link_path) for entry in by_kind["noise"]),
                disallowed=frozenset(self.url(entry.link_path) for entry in by_kind["disallowed"]),
                broken=frozenset(self.url(entry.link_path) for entry in by_kind["broken"]),
                failing=frozenset(self.url(entry.link_path) for entry in by_kind["failing"]),
                document_paths=frozenset(
                    path for entry in reports for path in (entry.detail_path, entry.attachment_path) if path
                ),
            )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @property
    def home_url(self) -> str:
        return self.url("/")

    def site(self) -> Site:
        """This portal as a configured site, starting from its home page."""
        return Site(name=self.name, region=self.region, level=self.level, start_urls=[self.home_url])

    # --- changes between crawls -----------------------------------------------------

    def add_report(self, layout: str | None = None) -> Entry:
        """Publish a new report at the top of the listing."""
        with self._lock:
            newest = max((entry.published for entry in self.entries), default=date(2024, 1, 20))
            rng = random.Random(f"{self.seed}:{self.name}:added:{len(self.entries)}")
            layout = layout or LAYOUTS[self.style.name][0]
            entry = self._report(rng, layout, published=newest + timedelta(days=3))
            self.entries.append(entry)
        self.document_bytes(entry)
        return entry

    def revise(self, key: str) -> Entry:
        """Replace a report's document with a corrected one (new bytes, new validators)."""
        with self._lock:
            entry = next(entry for entry in self.entries if entry.key == key)
            entry.revision += 1
        self.document_bytes(entry)
        return entry

    def synthetic(self, entry: Entry) -> SyntheticReport:
        """The report an entry's document prints (its current revision)."""
        if entry.identity is None:
            raise ValueError(f"entry {entry.key} is not a report")
        return content.report_of(self.seed, self._content_key(entry.key), entry.revision, entry.identity)

    def rescan(self, key: str) -> Entry:
        """Replace the pictures of a page's tables with another scan of them; the page stays the same."""
        with self._lock:
            entry = next(entry for entry in self.entries if entry.key == key)
            entry.scan += 1
        return entry

    def pictures(self, entry: Entry) -> dict[str, bytes]:
        """The pictures a report page shows (layout html_pictures), by path."""
        if entry.identity is None or entry.layout != "html_pictures":
            return {}
        folder = entry.detail_path.rsplit("/", 1)[0]
        _page, pictures = self._page_with_pictures(entry, entry.identity)
        return {f"{folder}/{source}": data for source, data in pictures.items()}

    def _page_with_pictures(self, entry: Entry, identity: content.ReportIdentity
                            ) -> tuple[bytes, dict[str, bytes]]:
        stem = entry.detail_path.rsplit("/", 1)[1].rsplit(".", 1)[0]
        return content.page_with_pictures(self.seed, self._content_key(entry.key), entry.revision, identity,
                                          stem, entry.scan)

    def document_bytes(self, entry: Entry) -> bytes:
        if entry.identity is None or entry.layout is None:
            raise ValueError(f"entry {entry.key} is not a report")
        if entry.layout == "html_pictures":
            return self._page_with_pictures(entry, entry.identity)[0]
        return content.report_bytes(self.seed, self._content_key(entry.key), entry.revision, entry.identity,
                                    entry.layout)

    def warm(self) -> None:
        """Render every report now, so no request waits for a PDF to be drawn."""
        for entry in list(self.entries):
            if entry.identity is not None and entry.behaviour == "normal":
                self.document_bytes(entry)

    # --- building -------------------------------------------------------------------

    def populate(self, rng: random.Random, reports: int) -> None:
        """Reports in every layout of the style, noise, and the special cases every portal has."""
        layouts = LAYOUTS[self.style.name]
        for index in range(reports):
            self.entries.append(self._report(rng, layouts[index % len(layouts)]))
        for template in NOISE_TITLES:
            self.entries.append(self._noise(rng, template))
        self.entries[0].slow = True
        redirected = next(entry for entry in self.entries[1:] if entry.attachment_path is None)
        redirected.link_path = "/old" + redirected.detail_path
        self.entries.append(self._special(rng, "disallowed"))
        self.entries.append(self._special(rng, "broken"))

    def populate_rough(self, rng: random.Random) -> None:
        """Two good reports, one with invalid bytes, one report link per misbehaviour, some noise."""
        self.entries += [self._report(rng, "html") for _ in range(2)]
        corrupt = self._report(rng, "html")
        corrupt.corrupt = True
        self.entries.append(corrupt)
        for behaviour, layout in MISBEHAVIOURS:
            entry = self._report(rng, layout)
            entry.kind, entry.behaviour = "failing", behaviour
            self.entries.append(entry)
        self.entries += [self._noise(rng, template) for template in NOISE_TITLES[:2]]

    def _report(self, rng: random.Random, layout: str, *, published: date | None = None) -> Entry:
        number = self._number()
        key = f"r{number}"
        year = rng.randint(2019, 2023) if published is None else published.year - 1
        identity = content.new_identity(self.seed, self._content_key(key), year=year, region=self.region,
                                        level="department")
        published = published or date(year + 1, 1, 5) + timedelta(days=rng.randint(0, 50))
        title = rng.choice(REPORT_TITLES).format(office=identity.office, year=year)
        detail = self.style.detail_path(number, published)
        extension = None if FILE_TYPES[layout] == "html" else FILE_TYPES[layout]
        attachment = self.style.attachment_path(number, published, extension) if extension else None
        return Entry(key, "report", title, published, detail, detail, layout, attachment, identity)

    def _noise(self, rng: random.Random, template: str) -> Entry:
        number = self._number()
        published = date(rng.randint(2020, 2024), rng.randint(1, 12), rng.randint(1, 28))
        title = template.format(year=published.year, county=self.region.county or "")
        detail = self.style.detail_path(number, published)
        return Entry(f"n{number}", "noise", title, published, detail, detail)

    def _special(self, rng: random.Random, kind: EntryKind) -> Entry:
        number = self._number()
        year = rng.randint(2019, 2023)
        published = date(year + 1, 2, 1)
        title = f"{self.region.county}人民政府办公室{year}年政府信息公开工作年度报告"
        if kind == "disallowed":
            path = f"{self.style.disallowed_prefix}t{published:%Y%m%d}_{number}.html"
        else:
            path = self.style.detail_path(number, published).replace(str(number), f"{number}404")
        return Entry(f"{kind[0]}{number}", kind, title, published, path, path)

    def _content_key(self, key: str) -> str:
        # Portals number their entries alike; the portal's name keeps their reports apart.
        return f"{self.name}:{key}"

    def _number(self) -> int:
        self._next_number += 1
        return self._next_number

    # --- rendering ------------------------------------------------------------------

    @property
    def _charset(self) -> str:
        return "gb2312" if self.encoding == "gbk" else "utf-8"

    @property
    def _html_type(self) -> str:
        # The GBK portal, like old portals, names its charset only in the page's <meta>.
        return "text/html" if self.encoding == "gbk" else "text/html; charset=utf-8"

    def _html(self, text: str, *, status: int = 200) -> Resource:
        return Resource(text.encode(self.encoding), self._html_type, status=status)

    def _ordered(self) -> list[Entry]:
        return sorted(self.entries, key=lambda entry: (entry.published, entry.key), reverse=True)

    def _page_count(self) -> int:
        return max(1, -(-len(self.entries) // self.page_size))

    def _listing_index(self, target: str) -> int | None:
        for page in range(self._page_count()):
            if target == self.style.listing_path(page):
                return page
        return None

    def _listing(self, page: int) -> Resource:
        ordered = self._ordered()[page * self.page_size:(page + 1) * self.page_size]
        items = [Item(entry.link_path, entry.title, entry.published) for entry in ordered]
        extra = f'<p><a href="{self.failing_column}">部门年报</a></p>' if self.failing_column else ""
        text = pages.listing_page(
            self.site_name, self.style, self._charset, items, page, self._page_count(), extra,
            total=len(self.entries), page_size=self.page_size,
        )
        resource = self._html(text)
        if self.corrupt_listing:
            return Resource(_corrupt(resource.body), resource.content_type)
        return resource

    def _sitemap(self, style: SitemapStyle, target: str) -> Resource | None:
        """The scripted home page, a robots.txt naming the sitemap index, the index, and its sitemap."""
        if target in ("/", "/index.html"):
            return self._html(pages.scripted_home_page(self.site_name, self._charset))
        if target == "/robots.txt":
            robots = pages.robots_txt(style.disallowed_prefix, self.url(style.sitemap_index_path))
            return Resource(robots.encode(), "text/plain")
        if target == style.sitemap_index_path:
            return Resource(style.sitemap_index(self.base_url).encode(), "application/xml")
        if target == style.sitemap_path:
            news = [entry.detail_path for entry in self.entries if entry.kind == "noise"][:3]
            paths = ["/", style.hub_path, "/zwgk/zfxxgkzn/", style.listing_path(0), *news]
            return Resource(style.sitemap(self.base_url, paths).encode(), "application/xml")
        return None

    def _gkmlpt(self, style: GkmlptStyle, target: str) -> Resource | None:
        """A gkmlpt column page, or a page of its item API (which wants the site's SID)."""
        if target == style.index_path:
            return self._listing(0)
        parts = urlsplit(target)
        asked = dict(parse_qsl(parts.query))
        wanted = parts.path == style.api_path and asked.get("sid") == style.sid
        if not wanted or not asked.get("page", "").isdigit():
            return None
        page = int(asked["page"])
        chosen = self._ordered()[(page - 1) * self.page_size : page * self.page_size] if page >= 1 else []
        items = [Item(entry.link_path, entry.title, entry.published) for entry in chosen]
        answer = style.api_answer(items, len(self.entries), self.base_url)
        return Resource(answer.encode(), "application/json; charset=utf-8")

    def _news(self) -> list[Item]:
        noise = [entry for entry in self._ordered() if entry.kind == "noise"]
        return [Item(entry.link_path, entry.title, entry.published) for entry in noise[:3]]

    def _entry_resource(self, entry: Entry, target: str) -> Resource | None:
        if target == entry.link_path != entry.detail_path:
            return Resource(b"", "text/html", status=301, location=self.url(entry.detail_path))
        if target == entry.detail_path:
            return self._detail(entry)
        if target == entry.attachment_path:
            return self._document(entry, self.style.attachment_content_type(self._extension(entry)))
        if picture := self.pictures(entry).get(target):
            return Resource(picture, "image/jpeg", validators=True, last_modified=entry.published)
        return None

    def _detail(self, entry: Entry) -> Resource | None:
        if entry.kind == "broken":
            return None
        if entry.behaviour == "error":
            return self._html("<html><body>Internal Server Error</body></html>", status=500)
        if entry.behaviour in ("hang", "reset"):
            return Resource(b"", "text/html", behaviour=entry.behaviour)
        if entry.kind in ("noise", "disallowed"):
            return self._html(pages.news_page(self.site_name, self._charset, entry.title, entry.published))
        delay = self.slow_seconds if entry.slow else 0.0
        if entry.attachment_path is None:
            return self._document(entry, self._html_type, delay=delay)
        text = self._stub_text(entry, entry.attachment_path)
        stub = self._html(text)
        return Resource(
            stub.body, stub.content_type, validators=True, last_modified=entry.published, delay=delay
        )

    def _stub_text(self, entry: Entry, attachment_path: str) -> str:
        link_text = self.style.attachment_link_text(entry.title, self._extension(entry))
        if isinstance(self.style, GkmlptStyle):
            return pages.config_stub_page(self.site_name, self._charset, self.style.sid, entry.title,
                                          entry.published, self.url(attachment_path), link_text)
        return pages.stub_page(self.site_name, self._charset, entry.title, entry.published,
                               self.url(attachment_path), link_text)

    def _document(self, entry: Entry, content_type: str, *, delay: float = 0.0) -> Resource:
        if entry.behaviour == "huge":
            # Only the first bytes exist: the server streams the rest (HUGE_BYTES in all) as zeros.
            return Resource(b"%PDF-1.4\n", "application/pdf", behaviour="huge")
        modified = entry.published + timedelta(days=entry.revision)
        body = self.document_bytes(entry)
        return Resource(_corrupt(body) if entry.corrupt else body, content_type, validators=True,
                        last_modified=modified, delay=delay)

    def _extension(self, entry: Entry) -> str:
        return FILE_TYPES[entry.layout or "html"]


def _corrupt(body: bytes) -> bytes:
    """Bytes invalid in UTF-8 and in GBK, put where a page's text starts."""
    return body.replace(b"<body>", b"<body>\xff\xfe\x80\x81bad\xfe\xff", 1)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def build_portals(seed: int = 7, *, reports: int = 8, slow_seconds: float = 0.3) -> list[Portal]:
    """The four imitated portal families, each from its own slice of `seed`."""
    portals: list[Portal] = []
    for index, (name, encoding) in enumerate(FAMILIES):
        rng = random.Random(f"{seed}:{name}")
        province, city, county = PLACES[(seed + 5 * index) % len(PLACES)]
        portal = Portal(
            name=name,
            style=STYLES[name],
            seed=seed,
            region=Region(province=province, city=city, county=county),
            level="county",
            site_name=f"{county}人民政府",
            encoding=encoding,
            slow_seconds=slow_seconds,
        )
        portal.populate(rng, reports)
        portals.append(portal)
    return portals


def _single_portal(name: StyleName, seed: int, place: int, **options: Any) -> Portal:
    """A county portal of style `name`, for the tests of one family."""
    province, city, county = PLACES[place % len(PLACES)]
    return Portal(
        name=name,
        style=STYLES[name],
        seed=seed,
        region=Region(province=province, city=city, county=county),
        level="county",
        site_name=f"{county}人民政府",
        **options,
    )


def build_rough_portal(seed: int = 7) -> Portal:
    """A portal whose links misbehave: 500s, a hang, a reset, a 300 MB attachment, invalid bytes."""
    portal = _single_portal(
        "rough",
        seed,
        seed + 3,
        page_size=50,
        failing_column=f"{STYLES['rough'].column_path}bmnb/",
        corrupt_listing=True,
    )
    portal.populate_rough(random.Random(f"{seed}:rough"))
    return portal


def build_pictures_portal(seed: int = 7) -> Portal:
    """A TRS portal of an office that posts scans: a report page whose tables are pictures, and a
    report posted as a JPG behind a stub page."""
    province, city, county = PLACES[(seed + 17) % len(PLACES)]
    portal = Portal(
        name="pictures",
        style=STYLES["trs"],
        seed=seed,
        region=Region(province=province, city=city, county=county),
        level="county",
        site_name=f"{county}人民政府",
        slow_seconds=0.0,
    )
    rng = random.Random(f"{seed}:pictures")
    portal.entries += [portal._report(rng, "html_pictures"), portal._report(rng, "jpg"),
                       portal._noise(rng, NOISE_TITLES[0])]
    return portal


def build_jcms_portal(seed: int = 7, *, reports: int = 8) -> Portal:
    """A 大汉 JCMS portal whose column shows its first records and serves the rest through its feed."""
    portal = _single_portal("jcms", seed, seed + 7, slow_seconds=0.0)
    portal.populate(random.Random(f"{seed}:jcms"), reports)
    return portal


def build_gkmlpt_portal(seed: int = 7, *, reports: int = 9) -> Portal:
    """A Guangdong gkmlpt catalogue under a department prefix: script column, JSON item API, JSON details."""
    portal = _single_portal("gkmlpt", seed, seed + 11, slow_seconds=0.0)
    portal.populate(random.Random(f"{seed}:gkmlpt"), reports)
    return portal


def build_sitemap_portal(seed: int = 7, *, reports: int = 6) -> Portal:
    """A portal whose 年报 column only the sitemap named in its robots.txt leads to."""
    portal = _single_portal("sitemap", seed, seed + 13, slow_seconds=0.0)
    portal.populate(random.Random(f"{seed}:sitemap"), reports)
    return portal
