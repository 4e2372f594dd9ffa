"""`govreports index PATH... | --from-archive | --reindex`: parse documents and write them to the index."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from govreports.errors import GovreportsError
from govreports.es_client import build_client, unavailable_as_domain_error
from govreports.settings import get_settings

Paths = Annotated[
    list[Path] | None, typer.Argument(help="report files or folders (recursively)", show_default=False)
]
FromArchive = Annotated[bool, typer.Option("--from-archive", help="index the raw archive of crawled pages")]
Reindex = Annotated[bool, typer.Option("--reindex", help="rebuild from the archive, then swap the alias")]
BatchSize = Annotated[int, typer.Option(min=1, help="documents per bulk request")]
Workers = Annotated[int, typer.Option(min=0, help="parsing processes (0: one per core)")]


def index(
    paths: Paths = None,
    from_archive: FromArchive = False,
    reindex: Reindex = False,
    batch_size: BatchSize = 500,
    workers: Workers = 0,
) -> None:
    """Parse and index local files or folders (.txt .html .htm .pdf .docx .doc .rtf), or the crawl archive.

    Prints one summary line; documents that fail are listed in a failures file. If
    Elasticsearch goes away, run the same command again: it finishes the job.
    """
    # Imported here: the indexer pulls in the segmenter and the parsers, which other commands never need.
    from indexer import run
    from indexer.limits import ParseLimits

    chosen = [bool(paths), from_archive, reindex]
    if sum(chosen) != 1:
        raise GovreportsError("give PATH... or --from-archive or --reindex (exactly one)")
    from audit.run import AuditFirst, after_index
    from monitor.versions import ledger_listener

    settings = get_settings()
    client = build_client(settings)
    # The versions ledger records each written batch, so the notify pass below need not read it back.
    listener = partial(ledger_listener, client, settings.index)
    audits: list[str] = []

    def audit(index: str, touched: list[str] | None) -> None:
        audits.append(after_index(client, settings, index, touched).line())

    def audit_first(index: str) -> AuditFirst:  # a large run: audited before it writes
        return AuditFirst(client, settings, index, report=lambda summary: audits.append(summary.line()))

    options = run.Options(
        batch_size=batch_size, workers=workers, listener=listener, limits=ParseLimits.from_settings(settings),
        audit=audit, audit_first=audit_first, audit_first_at=settings.index_audit_first_at,
    )
    # Each job checks its arguments (paths, archive) before its first request.
    with unavailable_as_domain_error(settings.es_url):
        if reindex:
            result = run.reindex(client, settings.index, settings.data_dir, options)
        elif from_archive:
            result = run.index_archive(client, settings.index, settings.data_dir, options)
        else:
            result = run.index_paths(client, settings.index, settings.data_dir, paths or [], options)
    typer.echo(result.line())
    for line in audits:
        typer.echo(line)
    from indexer.lifecycle import outdated_note

    if note := outdated_note(client, settings.index):
        typer.echo(note, err=True)
    # Subscriptions hear of every index run, not only the watch loop's.
    from monitor.notify import notify

    typer.echo(notify(client, settings).line())
    if result.summary.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("index")(index)
