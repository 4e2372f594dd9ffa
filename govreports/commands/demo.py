"""`govreports demo`: the whole product on this machine with nothing configured.

Elasticsearch (started if needed) → the bundled imitation portals served on
loopback → crawled → parsed and indexed → the API and page served. The portals
are generated from a fixed seed on fixed ports, so their URLs, and with them the
report ids, are the same every run: a second run finds everything unchanged
and reuses the index and the crawl state.
"""

from __future__ import annotations

from typing import Annotated

import typer

from govreports import elastic
from govreports.commands.serve import ensure_can_listen
from govreports.errors import GovreportsError
from govreports.settings import Settings, get_settings

DEMO_SEED = 2026
DEMO_REPORTS_PER_PORTAL = 12
# One port per portal family (trs, nextlink, query, gbk), fixed so report URLs are stable.
DEMO_PORTAL_PORTS = (18701, 18702, 18703, 18704)


def demo(
    host: Annotated[str, typer.Option(help="address the API and page listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port the API and page listen on")] = 8000,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the page after indexing")] = True,
) -> None:
    """Start Elasticsearch, crawl the bundled demo portals into the index, serve the page."""
    # Imported here: Scrapy, the parser and the web stack are heavy.
    from crawler.portals import PortalServer, build_portals
    from crawler.run import crawl

    settings = get_settings()
    if serve:
        ensure_can_listen(host, port)
    node, _ = elastic.start(settings)
    typer.echo(f"elasticsearch: {node.url}", err=True)
    portals = build_portals(DEMO_SEED, reports=DEMO_REPORTS_PER_PORTAL)
    try:
        server = PortalServer(portals, ports=DEMO_PORTAL_PORTS, hang_seconds=5).start()
    except OSError as error:
        ports = ", ".join(map(str, DEMO_PORTAL_PORTS))
        raise GovreportsError(f"cannot serve the demo portals on ports {ports}: {error}") from error
    try:
        for portal in server.portals.values():
            typer.echo(f"demo portal {portal.name}: {portal.home_url}", err=True)
        summary = crawl(settings, server.sites(), polite=False, progress=True)
        for line in summary.lines():
            typer.echo(line, err=True)
        if not serve:
            return
        url = f"http://{host}:{port}/"
        typer.echo(f"open {url}  (API docs: {url}docs; Ctrl-C stops)")
        _serve(settings, host, port)
    finally:
        server.stop()


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from govreports.commands.serve import tune_garbage_collection
    from search_api.app import create_app

    app = create_app(settings)
    tune_garbage_collection()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
