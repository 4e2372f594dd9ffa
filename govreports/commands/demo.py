"""`govreports demo` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo() -> None:
        raise GovreportsError("'govreports demo' is not built yet")
