"""`govreports crawl` (placeholder until its issue lands)."""

import typer

from govreports.errors import GovreportsError


def register(app: typer.Typer) -> None:
    @app.command("crawl")
    def crawl() -> None:
        raise GovreportsError("'govreports crawl' is not built yet")
