"""`govreports es start | stop | status`: the local single-node Elasticsearch, or a local cluster."""

from __future__ import annotations

from typing import Annotated

import typer

from govreports import elastic
from govreports.elastic import cluster
from govreports.settings import get_settings

es_app = typer.Typer(
    no_args_is_help=True, help="Run a local Elasticsearch (one node, or a cluster) on 127.0.0.1."
)

Nodes = Annotated[
    int,
    typer.Option(
        min=1,
        help="nodes of a local cluster: HTTP ports from GOVREPORTS_ES_URL's up, transport ports 100 above",
    ),
]


@es_app.command("start")
def start(nodes: Nodes = 1) -> None:
    """Start the node (fetching Elasticsearch the first time) unless one already answers; print its URL.

    With --nodes N, a local cluster of N nodes; prints their URLs, comma-separated, for GOVREPORTS_ES_URL.
    """
    settings = get_settings()
    if nodes > 1:
        description, started = cluster.start(settings, nodes)
        typer.echo(
            description.replace("running: ", "started: " if started else "already running: ", 1), err=True
        )
        members = cluster.cluster_for(settings).nodes(nodes)
        typer.echo(",".join(cluster.node_url(member) for member in members))
        return
    node, started = elastic.start(settings)
    if not started:
        typer.echo(f"already {node.describe()}", err=True)
    else:
        typer.echo(f"started: {node.describe().removeprefix('running: ')}", err=True)
    typer.echo(node.url)


@es_app.command("stop")
def stop() -> None:
    """Stop what `govreports es start` started at GOVREPORTS_ES_URL: every node of a cluster, or the node."""
    settings = get_settings()
    stopped = cluster.stop(cluster.cluster_for(settings))
    single = elastic.stop(settings)
    if not stopped or single.startswith("stopped"):
        stopped.append(single)
    typer.echo("\n".join(stopped))


@es_app.command("status")
def status() -> None:
    """Say what answers at GOVREPORTS_ES_URL: version, pid, data and log (of each node of a cluster)."""
    settings = get_settings()
    local_cluster = cluster.cluster_for(settings)
    if cluster.is_running(local_cluster):
        typer.echo(cluster.describe(local_cluster))
        return
    typer.echo(elastic.status(settings))


def register(app: typer.Typer) -> None:
    app.add_typer(es_app, name="es")
