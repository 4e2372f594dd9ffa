"""`govreports watch`: crawl the configured portals on a schedule, index, and notify subscriptions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from govreports.commands.crawl_options import Polite, ShardOption
from govreports.errors import ConfigError, GovreportsError
from govreports.settings import Settings, get_settings

if TYPE_CHECKING:
    from crawler.sites import Site
    from monitor.watch import CycleOutcome

Every = Annotated[str, typer.Option("--every", help="time between cycle starts: 30m, 6h, 1d, 1h30m")]
Once = Annotated[bool, typer.Option("--once", help="run one cycle, deliver, and exit")]
SiteNames = Annotated[
    list[str] | None,
    typer.Option("--site", help="watch only this configured portal; repeatable", show_default=False),
]


def watch(every: Every = "6h", once: Once = False, site: SiteNames = None, polite: Polite = True,
          shard: ShardOption = None) -> None:
    """Keep crawling every configured portal (GOVREPORTS_SITES), index what is new or revised,
    and notify subscriptions. Each cycle crawls all the sites together, polite to each host.
    Stop with Ctrl-C or SIGTERM: the current crawl is finished first (a second signal abandons
    it); the next start resumes without losing a notification."""
    from govreports.es_client import build_client, ensure_reachable
    from monitor.durations import parse_duration
    from monitor.subscriptions import seal_stored_secrets
    from monitor.watch import Abandon, StopSignal, crawl_together
    from monitor.watch import watch as watch_loop

    interval = parse_duration(every)
    settings = get_settings()
    sites = _sites(settings, site or [], shard)
    _log_to_stderr()
    client = build_client(settings)
    ensure_reachable(client, settings.es_url)
    seal_stored_secrets(client, settings)
    stop = StopSignal()
    cycles: list[CycleOutcome] = []

    def on_cycle(outcome: CycleOutcome) -> None:
        cycles.append(outcome)
        _print_cycle(outcome)

    names = ", ".join(s.name for s in sites)
    typer.echo(f"one cycle: {names}" if once else f"watching {len(sites)} site(s) ({names}) every {every}")
    try:
        with stop.handling_signals():
            watch_loop(
                client,
                settings,
                sites,
                every=interval,
                once=once,
                stop=stop,
                on_cycle=on_cycle,
                together=lambda s, many, c: crawl_together(s, many, c, polite=polite),
            )
    except Abandon:
        raise GovreportsError("stopped mid-site (second signal): the next start crawls it again") from None
    if stop.requested:
        typer.echo("stopped: the next start resumes where this one left off")
    # A one-shot run (cron, CI) says by its exit status whether every portal was crawled.
    failed = [run for run in cycles[-1].runs if run.status != "ok"] if once and cycles else []
    if failed:
        listed = "; ".join(run.error or f"site {run.site}: {run.status}" for run in failed)
        raise GovreportsError(f"{len(failed)} of {len(sites)} sites failed: {listed}")


def _sites(settings: Settings, names: list[str], shard: str | None) -> list[Site]:
    from crawler.sites import Shard, load_sites, select_sites, sites_in_shard

    if settings.sites is None:
        raise ConfigError(
            "no sites file: set GOVREPORTS_SITES to the portal configuration (see sites.example.toml)"
        )
    chosen = Shard.parse(shard) if shard is not None else None
    configured = load_sites(settings.sites)
    if not configured:
        raise ConfigError(f"{settings.sites}: no site configured")
    selected = select_sites(configured, names) if names else configured
    if chosen is None:
        return selected
    held = sites_in_shard(selected, chosen)
    if not held:
        # A watch with nothing to watch would spin under a supervisor: say why it cannot start.
        raise ConfigError(f"shard {chosen} holds none of the {len(selected)} configured site(s)")
    return held


def _log_to_stderr() -> None:
    # The loop's own progress lines only; libraries keep their default (warnings and up).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("govreports")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _print_cycle(outcome: CycleOutcome) -> None:
    for run in outcome.runs:
        problem = f" — {run.error}" if run.error else ""
        typer.echo(
            f"{run.site}: {run.status}, {run.fetched} pages, {run.new} new, {run.revised} revised, "
            f"{run.unchanged} unchanged, {run.failed} failed{problem}"
        )
    if outcome.notified is not None:
        typer.echo(outcome.notified.line())


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)
