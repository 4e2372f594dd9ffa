"""`govreports index` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("index")
    def index() -> None:
        raise GovreportsError("'govreports index' is not built yet")
