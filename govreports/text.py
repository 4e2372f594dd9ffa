"""Text as XML 1.0 can carry it: feeds are XML, and one forbidden character makes a feed unreadable."""

from __future__ import annotations

import re

# XML 1.0 § 2.2 allows tab, LF, CR and everything from U+0020 except the surrogates, U+FFFE and U+FFFF.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids: C0 controls but tab/LF/CR, surrogates, U+FFFE/F."""
    return _XML_FORBIDDEN.sub("", text)
