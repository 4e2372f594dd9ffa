"""Legacy Word .doc: converted to .docx by LibreOffice headless, then read by the DOCX extractor.

Chosen on evidence (docs/benchmarks.md): on a generated report, `antiword -m
UTF-8.txt` dropped the whole 三 table's data rows and `catdoc` garbled the
header and split rows, while LibreOffice's conversion keeps every table cell and
merge. It is slower (about 2 s a file, mostly start-up), which a crawler's
trickle of .doc attachments affords.

Files named .doc are often something else: a .docx, an HTML page ("Word web
page") or RTF. Those are recognised by their first bytes and read directly
(RTF still goes through LibreOffice).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from govreports.errors import ExtractionError
from indexer.extract import Extracted
from indexer.extract import docx as docx_extractor
from indexer.extract import html as html_extractor
from indexer.extract.text import check_size

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# RTF, which Word also saves under .doc; LibreOffice reads it like a .doc.
RTF_MAGIC = b"{\\rtf"
# Every Word 97–2003 file's OLE directory names this stream (names are UTF-16LE).
WORD_STREAM = "WordDocument".encode("utf-16-le")
DEBIAN_PACKAGE = "libreoffice-writer-nogui"
TIMEOUT_SECONDS = 120


def soffice() -> str:
    """The LibreOffice binary, or a clear error naming the package to install."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise ExtractionError(
            f"cannot read .doc files: LibreOffice is not installed (apt-get install {DEBIAN_PACKAGE})"
        )
    return found


def extract(data: bytes) -> Extracted:
    check_size(data, "DOC")
    head = data[:512].lstrip().lower()
    if data.startswith(b"PK\x03\x04"):
        return docx_extractor.extract(data)
    if head.startswith((b"<html", b"<!doctype", b"<?xml")) or b"<html" in head:
        return html_extractor.extract(data)
    if not data.startswith((OLE_MAGIC, RTF_MAGIC)):
        raise ExtractionError("not a Word document: the file is neither .doc, .docx, RTF nor HTML")
    if data.startswith(OLE_MAGIC) and WORD_STREAM not in data:
        # LibreOffice would import any other OLE file (or junk) as text and return garbage.
        raise ExtractionError(
            "not a Word document: an OLE file without a WordDocument stream (Excel, PowerPoint?)"
        )
    return docx_extractor.extract(convert_to_docx(data))


def convert_to_docx(data: bytes) -> bytes:
    """Run LibreOffice in a private profile (so conversions can run side by side) with a time limit."""
    binary = soffice()
    with tempfile.TemporaryDirectory(prefix="govreports-doc-") as folder:
        source = Path(folder) / "input.doc"
        source.write_bytes(data)
        command = [
            binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={Path(folder, 'profile').as_uri()}",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(Path(folder) / "out"),
            str(source),
        ]
        _run(command)
        target = Path(folder) / "out" / "input.docx"
        if not target.exists():
            raise ExtractionError(
                "LibreOffice could not convert the .doc file (corrupt or password-protected?)"
            )
        return target.read_bytes()


def _run(command: list[str]) -> None:
    # soffice starts helper processes: run it in its own process group and end the whole group.
    try:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise ExtractionError(f"cannot run LibreOffice ({command[0]}): {error}") from error
    try:
        process.wait(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as error:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise ExtractionError(
            f"LibreOffice took over {TIMEOUT_SECONDS} s to convert the .doc file"
        ) from error
