"""Detail pages: is the report the page itself, or an attachment it links to? Pure.

Many portals publish the report as a PDF/DOC/DOCX (often exported by WPS) and the
detail page is a stub: a title, a date and `附件：….pdf`. Download links may hide
the file name in the query (`downfile.jsp?filename=<hash>.doc`), in the link text,
or behind a pdf.js viewer (`viewer.html?file=/upload/x.pdf`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from parsel import Selector

from crawler.heuristics.links import absolute_url
from crawler.heuristics.titles import compact, is_report_title
from govreports.model import Format
from indexer.extract.doc import OLE_MAGIC, RTF_MAGIC

# .wps is WPS Writer's own format: an OLE compound file like .doc, read as one.
# RTF is read by the .doc extractor (LibreOffice), so it counts as the Word family's "doc".
_EXTENSION_FORMAT: dict[str, Format] = {
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
    "wps": "doc",
    "rtf": "doc",
    # A scan posted as a picture, read by OCR (the spider follows these only when OCR is on).
    **dict.fromkeys(("jpg", "jpeg", "png", "tif", "tiff"), "image"),
}
_EXTENSION = re.compile(r"\.(pdf|docx|doc|wps|rtf|jpg|jpeg|png|tif|tiff)$", re.IGNORECASE)
# In link text the file name may be wrapped: 附件【…报告.pdf】, (xxx.docx).
_NAMED_FILE = re.compile(r"\.(pdf|docx|doc|wps|rtf|jpg|jpeg|png|tif|tiff)(?![a-z0-9])", re.IGNORECASE)
# Preference when a stub offers the same report twice: tables survive best in DOCX, worst in a picture.
_FORMAT_RANK: dict[Format, int] = {"docx": 0, "pdf": 1, "doc": 2, "html": 3, "txt": 4, "image": 5}
# Picture signatures: PNG, JPEG, TIFF (both byte orders).
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
# Words of a report's body; a page holding two of them carries the report itself.
_BODY_MARKERS = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请",
    "行政复议",
    "存在的主要问题",
    "其他需要报告",
    "依申请公开",
    "概述",
)


@dataclass(frozen=True)
class Attachment:
    url: str
    text: str
    format: Format


def attachment_links(html: str, page_url: str) -> list[Attachment]:
    """Links to report-format files (PDF, DOCX, DOC, WPS), embedded viewers included, in page order."""
    page = Selector(text=html)
    found: list[Attachment] = []
    seen: set[str] = set()
    for element in page.xpath("//a[@href] | //iframe[@src] | //embed[@src] | //object[@data]"):
        target = element.attrib.get("href") or element.attrib.get("src") or element.attrib.get("data") or ""
        if not target.strip() or target.strip().lower().startswith(("javascript:", "mailto:", "#")):
            continue
        text = " ".join("".join(element.xpath(".//text()").getall()).split())
        url, format = _attachment_target(absolute_url(target, page_url), text)
        if format is not None and url not in seen:
            seen.add(url)
            found.append(Attachment(url=url, text=text, format=format))
    return found


def choose_attachment(attachments: list[Attachment]) -> Attachment | None:
    """The one attachment that is the report: a report-titled one first, then by format."""
    if not attachments:
        return None
    return min(attachments, key=lambda item: (not is_report_title(item.text), _FORMAT_RANK[item.format]))


def page_text(html: str) -> str:
    """The visible words of a page, scripts and styles left out."""
    page = Selector(text=html)
    words = page.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return " ".join(" ".join(words).split())


def carries_report(text: str) -> bool:
    """Does this page's text hold a report's body (rather than only point to one)?"""
    body = compact(text)
    return sum(marker in body for marker in _BODY_MARKERS) >= 2


def sniff_format(data: bytes, content_type: str | None, url: str) -> Format | None:
    """The document's format, from its first bytes before its label: servers mislabel files."""
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or url_format(url) == "docx" else None
    if head.startswith((OLE_MAGIC, RTF_MAGIC)):
        return "doc"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml") or data.lstrip()[:1] == b"<":
        return "html"
    if kind == "text/plain":
        return "txt"
    return None


def decodes_cleanly(body: bytes, encoding: str) -> bool:
    """Are these bytes valid in the encoding the page declares (or was detected in)?"""
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def url_format(url: str) -> Format | None:
    match = _EXTENSION.search(unquote(urlsplit(url).path))
    return _EXTENSION_FORMAT[match.group(1).lower()] if match else None


def _attachment_target(url: str, text: str) -> tuple[str, Format | None]:
    format = url_format(url)
    if format is not None:
        return url, format
    for key, value in parse_qsl(urlsplit(url).query):
        named = url_format(value)
        if named is not None:
            # pdf.js viewers take the file's URL; download scripts take a file name.
            return (urljoin(url, value), named) if key.lower() == "file" else (url, named)
    match = _NAMED_FILE.search(compact(text))
    return url, (_EXTENSION_FORMAT[match.group(1).lower()] if match else None)
