"""`govreports serve`: the HTTP API and the web page, with uvicorn."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from govreports.errors import GovreportsError
from govreports.settings import get_settings


def ensure_can_listen(host: str, port: int) -> None:
    """Fail with one line before starting, instead of uvicorn's log lines after it."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise GovreportsError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    ) -> None:
        """Serve the search API (/api/…, /docs) and the web page (/) over GOVREPORTS_INDEX."""
        # Imported here: the web stack is heavy and the other commands do not need it.
        import uvicorn

        from search_api.app import create_app

        ensure_can_listen(host, port)
        settings = get_settings()
        typer.echo(f"serving http://{host}:{port}/ (index {settings.index!r} at {settings.es_url})", err=True)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
