"""`govreports watch` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("watch")
    def watch() -> None:
        raise GovreportsError("'govreports watch' is not built yet")
