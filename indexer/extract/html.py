"""HTML pages: decode, keep the report's content container, and print it as lines and TAB rows.

A portal page wraps the report in chrome (header, navigation, breadcrumbs, share
buttons, related links, footer). The report is the smallest element that holds
the most report markers (section headings and table labels); everything outside
it is dropped. Tables are printed with rowspan/colspan expanded to full width.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from itertools import chain, islice

import lxml.etree
import lxml.html
from lxml.etree import _Element as Element
from w3lib.encoding import html_to_unicode

from govreports.errors import ExtractionError
from govreports.model import ParseWarning
from indexer.extract import Extracted
from indexer.extract.text import check_size, sniff_encoding

# Text that only a report's body holds: section headings and table labels.
MARKERS: tuple[str, ...] = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请",
    "行政复议",
    "存在的主要问题",
    "其他需要报告",
    "第二十条",
    "本年新收",
    "上年结转",
    "予以公开",
    "结转下年度",
)
# Where a report's body can sit; a table cell too when it lays out a page (holds a table or a div).
_CANDIDATE_TAGS = ("div", "article", "section", "main", "form", "center", "body")
# Plain lxml elements, not lxml.html's classes: a page makes a Python proxy for each of the
# hundreds of elements it reads, and a proxy of a Python subclass costs far more to make.
_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "link",
    "meta",
    "input",
    "button",
    "select",
    "textarea",
    "svg",
)
# class/id words of chrome inside the chosen container (share bars, print links, pagers).
_CHROME = re.compile(
    r"nav|menu|header|footer|foot|bread|crumb|position|weizhi|share|print|related|xgwz|"
    r"prev|next|pager|copyright|sidebar|toolbar|fontsize",
    re.I,
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "aside",
        "blockquote",
        "pre",
        "center",
        "form",
        "table",
        "tr",
        "td",
        "th",
        "hr",
        "address",
        "figure",
        "figcaption",
        "caption",
        "nav",
        "tbody",
        "thead",
        "tfoot",
    ]
)
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")
_DATE_LINE = re.compile(r"(?:发布时间|发布日期|生成日期|发文日期|成文日期)\s*[:：]\s*" + _DATE.pattern)
_DATE_METAS = ("pubdate", "publishdate", "firstpublishedtime", "published_time", "article:published_time")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|—+|-+)\s*")
# class/id words of the element that holds an article's title; only the first few such are read.
_TITLE_CLASS = re.compile(r"title|biaoti|\bbt\b", re.I)
_ARTICLE_TITLES = 20
# Spans beyond these are typos or attacks; clamping keeps the expanded grid small.
_MAX_SPAN = 200
_MAX_CELLS = 200_000


def extract(data: bytes, pictures: Pictures | None = None) -> Extracted:
    """The page's report as lines and TAB rows.

    `pictures`: reads the article's pictures (`indexer.extract.page_images`) given the page's own
    text; the rows it gives for a picture stand where the page shows it, and the text is then
    marked as read by OCR.
    """
    check_size(data, "HTML")
    warnings: list[ParseWarning] = []
    root = parse(decode(data))
    title, published = title_hint(root), date_hint(root)
    container = _content(root, warnings)
    text = _print(container)
    read_pictures = False
    if pictures is not None and (sources := image_sources(container)):
        rows, picture_warnings = pictures(text, sources)
        warnings += picture_warnings
        if rows:
            text, read_pictures = _print(container, rows), True
    return Extracted(
        text=text,
        title=title,
        published_date=published,
        warnings=warnings,
        explicit_cells=True,
        ocr=read_pictures,
    )


def article_image_sources(data: bytes) -> list[str]:
    """The pictures the page's report shows (`image_sources` of its content container)."""
    check_size(data, "HTML")
    return image_sources(_content(parse(decode(data)), []))


def _content(root: Element, warnings: list[ParseWarning]) -> Element:
    """The element holding the report, its inner chrome dropped; the body when none is found."""
    _strip(root, *_DROP_TAGS)
    markers = MarkerIndex(root)
    container = main_container(root, markers)
    if container is None:
        warnings.append(
            ParseWarning(code="no_report_content", detail="no element holds a report heading or table")
        )
        container = root.find("body") if root.find("body") is not None else root
    _drop_inner_chrome(container, markers)
    return container


def _print(container: Element, pictures: Mapping[str, list[str]] | None = None) -> str:
    lines = _Lines(pictures or {})
    lines.walk(container)
    return "\n".join(lines.done())


# --- pictures ------------------------------------------------------------------------------

# Rows read from each picture (by its source) and warnings, given the page's own text and the
# sources of the pictures its report shows.
Pictures = Callable[[str, list[str]], tuple[Mapping[str, list[str]], list[ParseWarning]]]
# Pictures of one page looked at; a report has three tables, split over a few pictures at most.
MAX_PICTURES = 30
# Where lazy-loading portals keep a picture's address while `src` shows a placeholder.
_LAZY_SOURCES = ("data-original", "data-src")


def image_source(image: Element) -> str:
    """The address an `<img>` shows, as the page writes it."""
    for attribute in (*_LAZY_SOURCES, "src"):
        value = (image.get(attribute) or "").strip()
        if value:
            return value
    return ""


def image_sources(container: Element) -> list[str]:
    """The distinct addresses of the container's pictures, in page order, the first MAX_PICTURES."""
    found = (image_source(image) for image in container.iter("img"))
    return list(islice(dict.fromkeys(source for source in found if source), MAX_PICTURES))


# --- decoding and parsing ------------------------------------------------------------


def decode(data: bytes) -> str:
    """Decode with the BOM, the declared charset (gb2312/gbk read as gb18030), or a sniffed one."""
    _encoding, text = html_to_unicode(None, data, auto_detect_fun=sniff_encoding)
    if "\ufffd" in text:
        # A page that lies about its charset: prefer an encoding that decodes it cleanly.
        sniffed = sniff_encoding(data)
        if sniffed in ("utf-8", "gb18030"):
            return data.decode(sniffed)
    return text


def parse(text: str) -> Element:
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise ExtractionError("empty HTML page")
    try:
        root: Element = lxml.html.document_fromstring(text, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unreadable HTML: {error}") from error
    return root


def _strip(root: Element, *tags: str) -> None:
    """Remove the elements of these tags with their subtrees, but keep the text that follows each.

    One pass in C; moving that text through Python (as lxml.html's drop_tree does) would also fail
    on the control characters the parser lets through.
    """
    lxml.etree.strip_elements(root, *tags, with_tail=False)


def _text(element: Element) -> str:
    """All the text inside the element (lxml.html's text_content, minus its XPath's cost per call)."""
    text: str = lxml.etree.tostring(element, method="text", encoding=str, with_tail=False)
    return text


def _xpath(path: str) -> lxml.etree.XPath:
    # Without EXSLT regular expressions, which nothing here uses and each evaluation would set up.
    return lxml.etree.XPath(path, regexp=False)


def _one_line(text: str) -> str:
    """Runs of whitespace made one space, none at the ends (str.split is much faster than a regex)."""
    return " ".join(text.split())


# --- hints -----------------------------------------------------------------------------


def _meta(root: Element, names: tuple[str, ...]) -> str | None:
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name in names and (meta.get("content") or "").strip():
            return str(meta.get("content")).strip()
    return None


def _names_a_report(element: Element) -> str | None:
    text = _one_line(_text(element))
    return text if "报告" in text and len(text) < 100 else None


def _article_titles(root: Element) -> Iterator[Element]:
    """The page's title elements (`<div class="article-title">`, `<td class="biaoti">`), the first few.

    A generator: the page's elements are only looked through when no <h1> names the report.
    """
    # A plain walk: linear, and it stops at the last one needed (an XPath would collect them all).
    elements = root.iter(lxml.etree.Element)
    found = (element for element in elements if _TITLE_CLASS.search(_class_and_id(element)))
    yield from islice(found, _ARTICLE_TITLES)


def _class_and_id(element: Element) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def title_hint(root: Element) -> str | None:
    """The page's own title for the report: <meta name="ArticleTitle">, an <h1>, the article-title
    element, an <h2>/<h3> that names a report, else <title> minus the site name."""
    meta = _meta(root, ("articletitle",))
    if meta:
        return meta
    for element in chain(root.iter("h1"), _article_titles(root), root.iter("h2", "h3")):
        if text := _names_a_report(element):
            return text
    title = root.find(".//title")
    if title is None or not _text(title).strip():
        return None
    parts = [part for part in _TITLE_SEPARATORS.split(_text(title).strip()) if part]
    reports = [part for part in parts if "报告" in part]
    return (reports or parts)[0] if parts else None


def _to_date(text: str) -> date | None:
    match = _DATE.search(text)
    if match is None:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def date_hint(root: Element) -> date | None:
    """A publication date from the page's meta tags, else a 发布时间：… line."""
    meta = _meta(root, _DATE_METAS)
    if meta and (found := _to_date(meta)):
        return found
    match = _DATE_LINE.search(_text(root))
    return _to_date(match.group(0)) if match else None


# --- the content container -------------------------------------------------------------


class MarkerIndex:
    """How many report markers each element's text holds, and how long that text is.

    Most pages ask about a few dozen elements, and reading each one's text in C is the
    fastest way to answer. But a container's text holds its children's, so on a deeply
    nested page that reads the page once per level: quadratic. So each element's text is
    read on its own only until `_READ_BUDGET` characters have been read; past that, one walk
    over the tree (`_TreeText`) answers every question from slices of the page's text.
    """

    def __init__(self, root: Element) -> None:
        self._root = root
        self._read = 0
        self._tree: _TreeText | None = None
        self._known: dict[Element, tuple[int, int]] = {}

    def _measure(self, element: Element) -> tuple[int, int]:
        known = self._known.get(element)
        if known is None:
            if self._tree is None and self._read <= _READ_BUDGET:
                text = _text(element)
                self._read += len(text)
                known = (_count_markers(text), len(text))
            else:
                self._tree = self._tree or _TreeText(self._root)
                known = self._tree.measure(element)
            self._known[element] = known
        return known

    def markers(self, element: Element) -> int:
        """How many of MARKERS the element's text holds."""
        return self._measure(element)[0]

    def text_length(self, element: Element) -> int:
        return self._measure(element)[1]


# Characters read element by element before one walk over the tree is cheaper (a page's text is
# some 10,000; a container's is most of it, and a page has a few dozen containers).
_READ_BUDGET = 4_000_000


def _count_markers(text: str) -> int:
    found = sum(marker in text for marker in MARKERS)
    if found == len(MARKERS):  # all there as is: squeezing cannot add one
        return found
    squeezed = "".join(text.split())  # markers may be spaced out (总体 情况)
    return sum(marker in squeezed for marker in MARKERS)


class _TreeText:
    """Every element's slice of the tree's text, from one walk, and where each marker occurs in it.

    An element's text holds a marker when an occurrence of it lies within the element's slice.
    """

    def __init__(self, root: Element) -> None:
        self._slices: dict[Element, tuple[int, int]] = {}
        opened: list[int] = []
        pieces: list[str] = []
        length = 0
        for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
            if event == "start":
                opened.append(length)
                piece = element.text
            else:
                self._slices[element] = (opened.pop(), length)
                piece = None if element is root else element.tail
            if piece:
                pieces.append(piece)
                length += len(piece)
        text = "".join(pieces)
        self._found = [_occurrences(text, pattern) for pattern in _SPACED_MARKERS]

    def measure(self, element: Element) -> tuple[int, int]:
        start, end = self._slices[element]
        return sum(_within(found, start, end) for found in self._found), end - start


# Markers may be spaced out (总体 情况): any whitespace between their characters.
_SPACED_MARKERS = [re.compile(r"\s*".join(map(re.escape, marker))) for marker in MARKERS]


def _occurrences(text: str, pattern: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """Where each occurrence starts and ends, by start; a later start has a later end."""
    starts: list[int] = []
    ends: list[int] = []
    match = pattern.search(text)
    while match:
        starts.append(match.start())
        ends.append(match.end())
        match = pattern.search(text, match.start() + 1)
    return starts, ends


def _within(found: tuple[list[int], list[int]], start: int, end: int) -> bool:
    starts, ends = found
    first = bisect.bisect_left(starts, start)
    return first < len(starts) and ends[first] <= end


def _layout_cells(root: Element) -> list[Element]:
    """Table cells that hold a table or a div, in document order.

    Each element is marked once, walking up from each table and div until an element already
    marked; an XPath `ancestor::` step would merge one node-set per table and div, quadratic in
    libxml2.
    """
    holding: set[Element] = set()
    for block in root.iter("table", "div"):
        parent = block.getparent()
        while parent is not None and parent not in holding:
            holding.add(parent)
            parent = parent.getparent()
    return [cell for cell in root.iter("td") if cell in holding]


def _candidates(root: Element) -> list[Element]:
    return [*root.iter(*_CANDIDATE_TAGS), *_layout_cells(root)]


def main_container(root: Element, markers: MarkerIndex) -> Element | None:
    """The smallest element holding the most report markers, or None when none holds any."""
    best: tuple[int, int] = (0, 0)
    chosen: Element | None = None
    for element in _candidates(root):
        score = (markers.markers(element), -markers.text_length(element))
        if score[0] and score > best:
            best, chosen = score, element
    return chosen


# The elements with a class or an id. A union of attribute steps is five times faster on a
# page, but libxml2 checks each node it merges for a duplicate, quadratic on a page of many
# elements; one step with a predicate is linear. The union serves up to `_UNION_ELEMENTS`
# elements (a few milliseconds at worst), the predicate beyond.
_WITH_CLASS_OR_ID_UNION = _xpath("(descendant::*/@class|descendant::*/@id)/..")
_WITH_CLASS_OR_ID_STEP = _xpath("descendant::*[@class or @id]")
_ELEMENTS = _xpath("count(descendant::*)")
_UNION_ELEMENTS = 3000


def _with_class_or_id(container: Element) -> list[Element]:
    small = _ELEMENTS(container) <= _UNION_ELEMENTS
    found: list[Element] = (_WITH_CLASS_OR_ID_UNION if small else _WITH_CLASS_OR_ID_STEP)(container)
    return found


# A tag no parsed element has (the parser lowercases names): marks chrome for one _strip.
_CHROME_TAG = "Chrome"


def _drop_inner_chrome(container: Element, markers: MarkerIndex) -> None:
    """Drop share bars, print links and the like that sit inside the container itself."""
    for element in _with_class_or_id(container):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if _CHROME.search(names) and markers.markers(element) == 0:
            element.tag = _CHROME_TAG
    _strip(container, _CHROME_TAG)


# --- tables -----------------------------------------------------------------------------


_ROWS = "(tr|thead/tr|tbody/tr|tfoot/tr)"
_OWN_ROWS = _xpath(_ROWS)
# Found in one query per table, so the many cells that span nothing read no attribute at all.
_SPAN_ATTRIBUTES = _xpath(f"{_ROWS}/*/@rowspan|{_ROWS}/*/@colspan")


def _own_rows(table: Element) -> list[Element]:
    rows: list[Element] = _OWN_ROWS(table)
    return rows


def _spans(table: Element) -> dict[Element, tuple[int, int]]:
    """(rowspan, colspan) of each cell of the table's rows that declares one."""
    spanning = {attribute.getparent() for attribute in _SPAN_ATTRIBUTES(table)}
    return {cell: (_span(cell.get("rowspan")), _span(cell.get("colspan"))) for cell in spanning}


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        return min(max(int(value.strip()), 1), _MAX_SPAN)
    except ValueError:
        return 1


def cell_text(cell: Element) -> str:
    """A cell's text on one line: `<br>` and line breaks join (本年新<br>制作数量 → 本年新制作数量)."""
    text = _text(cell)
    if "\n" in text:
        text = "".join(line.strip() for line in text.split("\n"))
    return _one_line(text)


def _place(grid: list[list[str | None]], r: int, c: int, rowspan: int, colspan: int, text: str) -> int:
    """A spanning cell: its text at (r, c), '' over the rest of its span; how many positions were free."""
    free, end = 0, c + colspan
    for line in grid[r : r + rowspan]:
        line.extend([None] * (end - len(line)))
        free += line[c:end].count(None)
        line[c:end] = [""] * colspan
    grid[r][c] = text
    return free


def expand(table: Element) -> list[list[str]]:
    """The table's rows at full width: a spanning cell's text in its first position, '' elsewhere."""
    rows = _own_rows(table)
    spans = _spans(table)
    # Per row, the text at each position so far; None where no cell (or span) has reached.
    grid: list[list[str | None]] = [[] for _ in rows]
    filled = 0
    for r, row in enumerate(rows):
        line, c = grid[r], 0
        for cell in row.iterchildren("td", "th"):
            while c < len(line) and line[c] is not None:
                c += 1
            if c == len(line) and cell not in spans:  # most cells: one more at the row's end
                filled += 1
                if filled > _MAX_CELLS:
                    raise ExtractionError("HTML table too large")
                line.append(cell_text(cell))
                c += 1
                continue
            rowspan, colspan = spans.get(cell, (1, 1))
            rowspan = min(rowspan, len(rows) - r)
            if filled + rowspan * colspan > _MAX_CELLS:
                raise ExtractionError("HTML table too large")
            filled += _place(grid, r, c, rowspan, colspan, cell_text(cell))
            c += colspan
    width = max(map(len, grid), default=0)
    return [[text or "" for text in line] + [""] * (width - len(line)) for line in grid]


def is_layout_table(table: Element) -> bool:
    """A table used for page layout (it holds other tables) is read as blocks, not as a grid."""
    return next(table.iterdescendants("table"), None) is not None


# --- lines ---------------------------------------------------------------------------------


class _Lines:
    """Walks the container in document order, collecting paragraph lines and table rows."""

    def __init__(self, pictures: Mapping[str, list[str]]) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.pictures = pictures  # rows read from pictures, by source
        self.shown: set[str] = set()  # a picture shown twice is one table, printed once

    def flush(self) -> None:
        line = _one_line("".join(self.current))
        if line:
            self.lines.append(line)
        self.current = []

    def text(self, text: str | None) -> None:
        if text:
            self.current.append(text)

    def walk(self, element: Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table" and not is_layout_table(element):
            self.flush()
            for row in expand(element):
                if any(row):
                    self.lines.append("\t".join(row))
            return
        if tag == "img" and self.pictures:
            self.picture(element)
        if tag == "br" or tag in _BLOCK_TAGS:
            self.flush()
        self.text(element.text)
        for child in element:
            self.walk(child)
            self.text(child.tail)
        if tag in _BLOCK_TAGS:
            self.flush()

    def picture(self, image: Element) -> None:
        source = image_source(image)
        rows = self.pictures.get(source)
        if rows and source not in self.shown:
            self.shown.add(source)
            self.flush()
            self.lines += [row for row in rows if row.strip()]

    def done(self) -> list[str]:
        self.flush()
        return self.lines
