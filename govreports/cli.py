"""The `govreports` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer

from govreports.commands import audit, crawl, demo, es, index, parse, serve, watch
from govreports.errors import GovreportsError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Search China's government information disclosure annual reports.",
)
for module in (es, parse, crawl, index, serve, watch, demo, audit):
    module.register(app)


def main() -> None:
    try:
        app()
    except GovreportsError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(1)
