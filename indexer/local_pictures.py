"""A local HTML report and the pictures of its tables, found next to it: never fetched.

`govreports parse page.html` and `govreports index folder/` read a saved page whose
tables are pictures from the pictures saved with it. An `<img src>` is looked up
relative to the page's own folder; a remote address (`http:`, `//host/…`, `data:`,
`file:`), a root-relative one (`/images/…`: the site's root, not a folder here) and
a path leading out of the folder (`../`, a symlink pointing away) are left alone.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from indexer.extract.html import article_image_sources
from indexer.extract.page_images import PageImage, PageWithImages, pack
from indexer.limits import MAX_DOCUMENT_BYTES


def with_local_pictures(path: Path, data: bytes) -> bytes:
    """The page bundled with the pictures its report shows that lie in its folder; else the page."""
    folder = path.resolve().parent
    images: list[PageImage] = []
    size = len(data)
    for source in article_image_sources(data):
        file = local_file(folder, source)
        if file is None:
            continue
        size += file.stat().st_size
        if size > MAX_DOCUMENT_BYTES:  # the page and its pictures are one document, under one cap
            break
        images.append(PageImage(source, file.as_uri(), file.read_bytes()))
    return pack(PageWithImages(data, tuple(images)))


def local_file(folder: Path, source: str) -> Path | None:
    """The file inside `folder` that `source` names relative to it, or None."""
    parts = urlsplit(source)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith(("/", "\\")):
        return None
    try:
        candidate = (folder / unquote(parts.path)).resolve()
    except (OSError, ValueError):  # a loop of symlinks, a NUL in the name
        return None
    if not candidate.is_relative_to(folder) or not candidate.is_file():
        return None
    return candidate
