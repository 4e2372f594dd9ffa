"""`govreports serve`: the HTTP API and the web page, with uvicorn."""

from __future__ import annotations

import gc
import socket
from typing import Annotated

import typer

from govreports.errors import GovreportsError
from govreports.redaction import without_credentials
from govreports.secrets import secret_box
from govreports.settings import Settings, get_settings


def startup_line(host: str, port: int, settings: Settings) -> str:
    """The line `serve` prints as it starts: where it listens, the index, the cluster (no credentials)."""
    cluster = without_credentials(settings.es_url)
    return f"serving http://{host}:{port}/ (index {settings.index!r} at {cluster})"


def ensure_can_listen(host: str, port: int) -> None:
    """Fail with one line before starting, instead of uvicorn's log lines after it."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise GovreportsError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


# Collect the youngest generation after 10,000 net allocations instead of 700: a search answer
# builds a few thousand short-lived containers, and collecting every few hundred of them took
# 5-9% of the API's CPU (docs/benchmarks.md, search).
YOUNG_GENERATION_THRESHOLD = 10_000


def tune_garbage_collection() -> None:
    """Set the long-lived start-up objects aside (gc.freeze) and collect young objects less often.

    Called once the app is built: the objects of imports and of the app itself live as long as
    the process, and full collections no longer walk them.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
        access_log: Annotated[
            bool, typer.Option(help="log every request (off: a proxy in front usually logs them)")
        ] = False,
    ) -> None:
        """Serve the search API (/api/…, /docs) and the web page (/) over GOVREPORTS_INDEX."""
        # Imported here: the web stack is heavy and the other commands do not need it.
        import uvicorn

        from search_api.app import create_app

        ensure_can_listen(host, port)
        settings = get_settings()
        secret_box(settings)  # a malformed GOVREPORTS_SECRET_KEYS is one error line, before uvicorn starts
        typer.echo(startup_line(host, port, settings), err=True)
        api = create_app(settings)
        tune_garbage_collection()
        # No proxy headers read by uvicorn (it would believe any loopback peer): the app reads
        # X-Forwarded-For from GOVREPORTS_TRUSTED_PROXIES only (search_api/security.py).
        uvicorn.run(api, host=host, port=port, log_level="info", access_log=access_log, proxy_headers=False)
