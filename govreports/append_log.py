"""Append-only JSON Lines logs and whole-file writes that survive a crash mid-write.

A crash (or a full disk) can cut an append short, leaving a torn line. Readers skip
any line that does not parse, wherever it is, and report how many they skipped;
writers start each record on a fresh line, so a torn fragment never swallows the
record after it. Appends and file writes are fsynced before they return: a record
the caller goes on to rely on (a bulk request marked done, an object the crawl
state points at) is on disk first.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("govreports.append_log")
T = TypeVar("T")
# How many torn line numbers a report names; the rest are only counted.
NAMED_LINES = 10


def append_line(path: Path, line: str) -> None:
    """Append `line` (without its newline) as one record on a line of its own, durably."""
    created = not path.exists()
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        data = line.encode("utf-8") + b"\n"
        size = os.fstat(descriptor).st_size
        if size and os.pread(descriptor, 1, size - 1) != b"\n":
            data = b"\n" + data  # the last append was cut short: end its fragment, keep ours whole
        _write_all(descriptor, data)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if created:
        fsync_directory(path.parent)


def read_records(path: Path, parse: Callable[[bytes], T]) -> Iterator[T]:
    """`parse` of each line of the log, in order; lines it refuses (torn, garbled) are skipped and reported.

    `parse` raises `ValueError` (JSON and pydantic errors are ones) for a line that is not a record.
    """
    skipped: list[int] = []
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = parse(line)
            except ValueError:
                skipped.append(number)
                continue
            yield record
    if skipped:
        named = ", ".join(str(number) for number in skipped[:NAMED_LINES])
        more = ", …" if len(skipped) > NAMED_LINES else ""
        log.warning(
            "%s: skipped %d torn or unreadable line(s) (line %s%s); the records on every other line are used",
            path, len(skipped), named, more,
        )


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a temporary file of this writer's own, fsynced, then renamed."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex}.partial")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a new or renamed entry of `directory` durable (the file's own fsync does not)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]
