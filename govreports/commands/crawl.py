"""`govreports crawl`: fetch reports from configured portals (or one start URL) and index them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from govreports.commands.crawl_options import Polite, ShardOption
from govreports.errors import ConfigError, GovreportsError
from govreports.settings import Settings, get_settings

if TYPE_CHECKING:
    from crawler.sites import Site

SiteNames = Annotated[
    list[str] | None,
    typer.Option("--site", help="a portal named in the sites file (GOVREPORTS_SITES); repeatable",
                 show_default=False),
]
StartUrl = Annotated[
    str | None,
    typer.Option("--start-url", help="a portal not configured yet: its 年报 listing or just its home page",
                 show_default=False),
]
Out = Annotated[
    Path | None,
    typer.Option("--out", help="write reports as JSON Lines to this folder instead of indexing them",
                 show_default=False),
]


def crawl(site: SiteNames = None, start_url: StartUrl = None, out: Out = None, polite: Polite = True,
          shard: ShardOption = None) -> None:
    """Crawl portals for reports; new and revised ones go to the index (or to --out).

    With neither --site nor --start-url, every configured portal is crawled.
    """
    # Imported here: Scrapy and the parser are heavy, and other commands never need them.
    from crawler.run import crawl as run_crawl
    from crawler.sites import Shard, sites_in_shard

    chosen = Shard.parse(shard) if shard is not None else None
    settings = get_settings()
    sites = _sites(settings, site or [], start_url)
    if chosen is not None:
        held = sites_in_shard(sites, chosen)
        typer.echo(f"shard {chosen}: {len(held)} of {len(sites)} site(s)")
        if not held:
            return
        sites = held
    summary = run_crawl(settings, sites, out=out, polite=polite, progress=True)
    for line in summary.lines():
        typer.echo(line)
    if out is None:
        _audit_and_notify(settings)
    if summary.errors:
        raise GovreportsError("; ".join(summary.errors))


def _audit_and_notify(settings: Settings) -> None:
    """The audit looks at what the crawl wrote; subscriptions hear of every index run, not only the
    watch loop's."""
    from audit.run import after_crawl
    from govreports.es_client import build_client
    from monitor.notify import notify

    client = build_client(settings)
    typer.echo(after_crawl(client, settings))
    typer.echo(notify(client, settings).line())


def _sites(settings: Settings, names: list[str], start_url: str | None) -> list[Site]:
    from crawler.sites import load_sites, select_sites, site_for_start_url

    if start_url is not None and names:
        raise ConfigError("give --site NAME or --start-url URL, not both")
    if start_url is not None:
        return [site_for_start_url(start_url)]
    if settings.sites is None:
        raise ConfigError("no sites file: set GOVREPORTS_SITES (see sites.example.toml) or give --start-url")
    configured = load_sites(settings.sites)
    return select_sites(configured, names) if names else configured


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl)
