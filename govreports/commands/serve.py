"""`govreports serve` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve() -> None:
        raise GovreportsError("'govreports serve' is not built yet")
