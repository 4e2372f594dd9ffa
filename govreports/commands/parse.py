"""`govreports parse FILE... [--pretty]`: one report as JSON per file, one per line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse(
        files: Annotated[list[Path], typer.Argument(help="report files (.txt .html .pdf .docx .doc .rtf)")],
        pretty: Annotated[bool, typer.Option("--pretty", help="indent the JSON")] = False,
    ) -> None:
        """Parse report files and print each as a JSON object; a file that fails is named on stderr."""
        from indexer.documents import parse_file  # the parser's imports are not needed by other commands

        failed = 0
        for path in files:
            try:
                report = parse_file(path)
            except (GovreportsError, OSError) as error:
                failed += 1
                reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
                typer.secho(f"error: {path}: {reason}", err=True, fg=typer.colors.RED)
                continue
            typer.echo(report.model_dump_json(indent=2 if pretty else None))
        if failed:
            raise typer.Exit(code=1)
