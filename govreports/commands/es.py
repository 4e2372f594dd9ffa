"""`govreports es start | stop | status`: the local single-node Elasticsearch."""

from __future__ import annotations

import typer

from govreports import elastic
from govreports.settings import get_settings

es_app = typer.Typer(no_args_is_help=True, help="Run a local single-node Elasticsearch on 127.0.0.1.")


@es_app.command("start")
def start() -> None:
    """Start the node (fetching Elasticsearch the first time) unless one already answers; print its URL."""
    node, started = elastic.start(get_settings())
    if not started:
        typer.echo(f"already {node.describe()}", err=True)
    else:
        typer.echo(f"started: {node.describe().removeprefix('running: ')}", err=True)
    typer.echo(node.url)


@es_app.command("stop")
def stop() -> None:
    """Stop the node that `govreports es start` started at GOVREPORTS_ES_URL (nothing else)."""
    typer.echo(elastic.stop(get_settings()))


@es_app.command("status")
def status() -> None:
    """Say what answers at GOVREPORTS_ES_URL: version, pid, where its data and log live."""
    typer.echo(elastic.status(get_settings()))


def register(app: typer.Typer) -> None:
    app.add_typer(es_app, name="es")
