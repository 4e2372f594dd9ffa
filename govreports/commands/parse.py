"""`govreports parse FILE... [--pretty]`: one report as JSON per file, one per line."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from govreports.errors import GovreportsError
from govreports.settings import get_settings

if TYPE_CHECKING:
    from indexer.limits import Announce


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse(
        files: Annotated[list[Path], typer.Argument(help="report files (.txt .html .pdf .docx .doc .rtf)")],
        pretty: Annotated[bool, typer.Option("--pretty", help="indent the JSON")] = False,
    ) -> None:
        """Parse report files and print each as a JSON object; a file that fails is named on stderr."""
        # Imported here: the parser's imports are not needed by other commands.
        from indexer.limits import ParseLimits, run_limited

        limits = ParseLimits.from_settings(get_settings())
        workers = min(len(files), os.cpu_count() or 1)
        failed = 0
        # Each file in a worker process under the parse limits: one that hangs or swells is
        # stopped and named like any unreadable file, and the others still print.
        job = partial(report_line, pretty=pretty)
        for finished in run_limited(job, files, limits=limits, workers=workers):
            if finished.error is not None:
                failed += 1
                line = f"error: {finished.task}: {_reason(finished.error)}"
                typer.secho(line, err=True, fg=typer.colors.RED)
            else:
                typer.echo(finished.value)
        if failed:
            raise typer.Exit(code=1)


def report_line(path: Path, announce: Announce, *, pretty: bool) -> str:
    """One file's report as JSON (run in a parsing worker)."""
    from indexer.documents import detect_format, parse_file
    from indexer.local_pictures import with_local_pictures

    data = path.read_bytes()
    format = detect_format(path, data)
    if format == "html" and get_settings().ocr:  # the limits grow with the pictures read with it
        data = with_local_pictures(path, data)
    announce(data, format)  # read once more by parse_file, from the page cache
    return parse_file(path, ocr=get_settings().ocr).model_dump_json(indent=2 if pretty else None)


def _reason(error: Exception) -> str:
    from indexer.limits import describe

    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) if isinstance(error, GovreportsError) else describe(error)
