"""Options `crawl` and `watch` share: they crawl the same portals the same way."""

from __future__ import annotations

from typing import Annotated

import typer

Polite = Annotated[
    bool, typer.Option("--polite/--no-polite", help="throttle like a guest (off only for local test portals)")
]
ShardOption = Annotated[
    str | None,
    typer.Option("--shard", metavar="K/N",
                 help="only shard K of N: a stable hash share of the portals' hosts (host and port)",
                 show_default=False),
]
