"""`govreports parse` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def parse() -> None:
        raise GovreportsError("'govreports parse' is not built yet")
