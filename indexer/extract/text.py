"""Plain text: decode UTF-8 (with or without BOM), else GB18030, which covers GBK and GB2312."""

from __future__ import annotations

from charset_normalizer import from_bytes

from govreports.errors import ExtractionError
from indexer.extract import Extracted
from indexer.limits import MAX_DOCUMENT_BYTES

_NUL_TOLERANCE = 0.01
# No real report comes near these; anything bigger is refused before any work is done. The
# crawler downloads no more than the same MAX_DOCUMENT_BYTES.
MAX_BYTES = MAX_DOCUMENT_BYTES
# A plain-text report is some 50 KB; the parser reads about 1 MB/s, so text is held tighter.
MAX_TEXT_BYTES = 20 * 1024 * 1024


def check_size(data: bytes, what: str, limit: int = MAX_BYTES) -> None:
    """Refuse an empty input or one beyond `limit` bytes with one clear error."""
    if not data:
        raise ExtractionError(f"empty {what} file")
    if len(data) > limit:
        raise ExtractionError(
            f"{what} file too large: {len(data) / 2**20:.0f} MB (limit {limit / 2**20:.0f} MB)"
        )


def sniff_encoding(data: bytes) -> str | None:
    """The encoding that decodes `data` cleanly: UTF-8, else GB18030, else charset-normalizer's guess."""
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    best = from_bytes(data[:65536]).best()
    return None if best is None else best.encoding


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig", errors="replace")
    encoding = sniff_encoding(data)
    if encoding is None:
        raise ExtractionError("not text: no encoding decodes it")
    return data.decode(encoding, errors="replace")


def extract(data: bytes) -> Extracted:
    check_size(data, "text", MAX_TEXT_BYTES)
    if data.count(b"\x00") > max(1, len(data) * _NUL_TOLERANCE):
        raise ExtractionError("not text: the file holds binary data")
    return Extracted(text=decode(data))
