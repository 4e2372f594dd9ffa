"""大汉 JCMS listings drawn by the `jpage` script from a `dataproxy.jsp` feed. Pure.

A JCMS column page carries its first records inside
`<script type="text/xml"><datastore>…<record><![CDATA[<li>…</li>]]></record>…`,
where an HTML parser sees only script text, and names the feed in `<nextgroup>`:
`<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&columnid=1229&unitid=…">`.
The script reads `totalRecord` and `perPage`, then POSTs the feed's parameters to
`dataproxy.jsp?startrecord=16&endrecord=60&perpage=15` for each later group of
records; the answer is another `<datastore>` of records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

# A record is an opening `<record><![CDATA[` and the first `]]></record>` after it. The two
# are found apart, each in one pass, and paired by position: one lazy regex spanning both
# rescans the rest of the page from every opening that is never closed (quadratic).
_RECORD_OPEN = re.compile(r"<record>\s*<!\[CDATA\[", re.IGNORECASE)
_RECORD_CLOSE = re.compile(r"\]\]>\s*</record>", re.IGNORECASE)
_NEXT_GROUP = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[\s*<a\s+href\s*=\s*['\"]([^'\"]+)['\"]", re.DOTALL | re.IGNORECASE
)
_TOTAL = re.compile(r"\btotalRecord\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_PER_PAGE = re.compile(r"\bperPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
DEFAULT_PER_PAGE = 15
# The script asks for three pages of records at a time; so do we.
PAGES_PER_REQUEST = 3
# Never more records than this from one column, whatever the page claims.
MAX_RECORDS = 5000


@dataclass(frozen=True)
class FeedRequest:
    """One POST to the column's feed: the URL (with the record range) and the form fields."""

    url: str
    form: dict[str, str]


def records(text: str) -> list[str]:
    """The HTML of each record of the page's (or feed answer's) datastore, in order.

    A record's HTML runs from its opening to the first closing after it; records do not
    nest, so an opening inside a record's HTML is part of that HTML.
    """
    closings = [(match.start(), match.end()) for match in _RECORD_CLOSE.finditer(text)]
    found: list[str] = []
    done, next_closing = 0, 0  # where the last record ended; the first closing not yet used
    for opening in _RECORD_OPEN.finditer(text):
        if opening.start() < done:
            continue
        while next_closing < len(closings) and closings[next_closing][0] < opening.end():
            next_closing += 1
        if next_closing == len(closings):
            break  # never closed: neither is any opening after it
        start, done = closings[next_closing]
        found.append(text[opening.end() : start])
    return found


def record_html(text: str) -> str:
    """The HTML of every record of the page's (or feed answer's) datastore, one after another."""
    return "\n".join(records(text))


def feed_requests(html: str, page_url: str) -> list[FeedRequest]:
    """The POSTs that fetch the records a JCMS column page does not show itself."""
    feed = _NEXT_GROUP.search(html)
    total = _TOTAL.search(html)
    if feed is None or total is None:
        return []
    feed_url = urlsplit(urljoin(page_url, feed.group(1).replace("&amp;", "&")))
    fields = parse_qsl(feed_url.query, keep_blank_values=True)
    form = {name: value for name, value in fields if name != "page"}
    form.setdefault("col", "1")
    form.setdefault("appid", "1")
    per_page_match = _PER_PAGE.search(html)
    per_page = int(per_page_match.group(1)) if per_page_match else DEFAULT_PER_PAGE
    per_page = per_page or DEFAULT_PER_PAGE
    shown = len(records(html))
    last = min(int(total.group(1)), MAX_RECORDS)
    step = per_page * PAGES_PER_REQUEST
    base = urlunsplit((feed_url.scheme, feed_url.netloc, feed_url.path, "", ""))
    ranges = [(start, min(start + step - 1, last)) for start in range(shown + 1, last + 1, step)]
    return [
        FeedRequest(f"{base}?startrecord={start}&endrecord={end}&perpage={per_page}", form)
        for start, end in ranges
    ]
