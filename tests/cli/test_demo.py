"""`govreports demo`: the whole product from nothing, and a second run that reuses what is there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.portals import build_portals
from govreports.commands.demo import DEMO_REPORTS_PER_PORTAL, DEMO_SEED

pytestmark = [pytest.mark.es, pytest.mark.slow]


def _demo(index: str, data_dir: Path) -> str:
    env = {**os.environ, "GOVREPORTS_INDEX": index, "GOVREPORTS_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "govreports", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def _counts(output: str) -> dict[str, int]:
    found = re.search(r"reports: (\d+) new, (\d+) revised, (\d+) unchanged", output)
    assert found, output
    return dict(zip(("new", "revised", "unchanged"), map(int, found.groups()), strict=True))


def test_demo_crawls_and_indexes_the_bundled_portals_then_reuses_them(
    es_client: Elasticsearch, es_index: str, tmp_path: Path
) -> None:
    expected = sum(
        len(portal.truth().reports) for portal in build_portals(DEMO_SEED, reports=DEMO_REPORTS_PER_PORTAL)
    )

    first = _counts(_demo(es_index, tmp_path))
    es_client.indices.refresh(index=es_index)
    assert first == {"new": expected, "revised": 0, "unchanged": 0}
    assert es_client.count(index=es_index)["count"] == expected

    second = _counts(_demo(es_index, tmp_path))
    assert second == {"new": 0, "revised": 0, "unchanged": expected}
    assert es_client.count(index=es_index)["count"] == expected
