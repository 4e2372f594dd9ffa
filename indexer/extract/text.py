"""Plain text: decode UTF-8 (with or without BOM), else GB18030, which covers GBK and GB2312."""

from __future__ import annotations

from charset_normalizer import from_bytes

from govreports.errors import ExtractionError
from indexer.extract import Extracted

_NUL_TOLERANCE = 0.01


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data[:65536]).best()
    if best is None:
        raise ExtractionError("not text: no encoding decodes it")
    return data.decode(best.encoding, errors="replace")


def extract(data: bytes) -> Extracted:
    if data.count(b"\x00") > max(1, len(data) * _NUL_TOLERANCE):
        raise ExtractionError("not text: the file holds binary data")
    return Extracted(text=decode(data))
