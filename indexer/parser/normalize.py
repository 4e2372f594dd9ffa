"""Text normalisation shared by the parser: NFKC, whitespace, the compact form labels are compared in."""

from __future__ import annotations

import re
import unicodedata

from indexer.parser.memo import short_text_cache

# Characters that extraction leaves inside words and that no label or number contains.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}(?=\s|[^#\s])\s*")


def nfkc(text: str) -> str:
    """NFKC turns full-width digits, brackets, colons, commas and spaces into their ASCII forms."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def compact(text: str) -> str:
    """NFKC with all whitespace removed: `商业 企业`, `本年新\\n制作数量` compare as one word."""
    return "".join(nfkc(text).split())


def strip_markdown_heading(line: str) -> str:
    return _MARKDOWN_HEADING.sub("", line, count=1) if "#" in line else line


# The title, heading and narrative readers look at the same lines one after another:
# each line (a paragraph too, within reason) is normalised once for all of them.
@short_text_cache(limit=2000, maxsize=512)
def compact_line(line: str) -> str:
    """A line as headings, titles and dropped lines are compared: compact, without a Markdown heading mark."""
    return compact(strip_markdown_heading(line))


def clean_line(line: str) -> str:
    """One line of plain text: Markdown heading marks dropped, runs of spaces and tabs made one space.

    `line` holds no line break, so splitting on any whitespace (faster than a regex) splits
    only on spaces, tabs, ideographic and no-break spaces.
    """
    return " ".join(strip_markdown_heading(_INVISIBLE.sub("", line)).split())


def clean_text(lines: list[str]) -> str:
    """Plain text of `lines`: each line cleaned, empty ones dropped, joined by newlines."""
    return "\n".join(cleaned for cleaned in map(clean_line, filter(None, lines)) if cleaned)
