"""`govreports es` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("es")
    def es() -> None:
        raise GovreportsError("'govreports es' is not built yet")
