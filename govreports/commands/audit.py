"""`govreports audit`: recompute the audit across the years for every report and office (docs/audit.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from govreports.errors import GovreportsError
from govreports.es_client import build_client, unavailable_as_domain_error
from govreports.settings import get_settings

Today = Annotated[
    str | None,
    typer.Option(help="the day the deadlines and missing years are judged on (YYYY-MM-DD); default: today"),
]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise GovreportsError(f"--today: not a date (YYYY-MM-DD): {text!r}") from None


def audit(today: Today = None) -> None:
    """Recompute office identities, cross-year chains, timeliness, copied narratives and missing reports.

    Idempotent: a second run changes nothing. Needed after editing GOVREPORTS_AUDIT_OFFICES or
    GOVREPORTS_AUDIT_DEADLINES; the audit after each index run covers what the run wrote.
    """
    from audit.run import full_audit  # the audit pulls in numpy and the gazetteer

    day = _day(today)
    settings = get_settings()
    client = build_client(settings)
    with unavailable_as_domain_error(settings.es_url):
        summary = full_audit(client, settings, today=day)
    typer.echo(summary.line())


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
