"""Versioned Elasticsearch index definitions (settings + mappings), one JSON file per version.

A mapping change that existing documents cannot take gets a new file
``govreports-v<N>.json`` and ``CURRENT_VERSION = N``; ``govreports index --reindex``
then builds the new physical index and moves the alias to it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

# v2: the `.std` subfields without offsets (only `text` is highlighted) and the sections
# without a `.std` subfield (`text.std` holds the same words): 35% less indexing work;
# `office.std` indexes character pairs, so the keyword-in-office phrase is one term lookup;
# `text` is also stored, so highlighting reads it without parsing the whole _source (2-3 ms a page).
# v3: the audit's fields (`office_id`, `cross_year`, `timeliness`, `reuse`, docs/audit.md), and the
# narrative sections stored like `text`, so search snippets come from them at the same cost.
CURRENT_VERSION = 3


@cache
def fields_added_since(version: int) -> dict[str, Any]:
    """The top-level fields of the current mapping that `version` lacks: an index of that version
    takes them in place (a mapping may grow), so documents of this version fit it until a rebuild."""
    old = load_index_definition(version)["mappings"]["properties"]
    current: dict[str, Any] = load_index_definition()["mappings"]["properties"]
    return {name: spec for name, spec in current.items() if name not in old}


def load_index_definition(version: int = CURRENT_VERSION) -> dict[str, Any]:
    """The body of the create-index call for `version`: ``{"settings": …, "mappings": …}``."""
    resource = resources.files("mappings").joinpath(f"govreports-v{version}.json")
    if not resource.is_file():
        raise ValueError(f"no index definition for version {version}")
    definition: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return definition
