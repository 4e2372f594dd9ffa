"""`govreports watch` as a user runs it: a separate process, a sites file, fixture portals on
127.0.0.1, the real Elasticsearch. Stopping it with SIGTERM mid-cycle finishes the current site,
and the next start delivers what the stopped cycle indexed; a dead portal does not stop the others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch, NotFoundError
from typer.testing import CliRunner
from webhook_receiver import Receiver

from crawler.portals import Portal, PortalServer, build_portals
from govreports.cli import app
from govreports.errors import ConfigError
from govreports.settings import Settings, get_settings
from monitor import subscriptions
from monitor.clock import utc_now
from monitor.errors import InvalidDuration
from monitor.indices import MonitorIndices, ensure_indices
from monitor.runs import SiteRun
from monitor.subscriptions import SubscriptionSpec, new_subscription
from search_api.query import SearchFilters

pytestmark = [pytest.mark.es, pytest.mark.slow]
GOVREPORTS = str(Path(sys.executable).parent / "govreports")


@pytest.fixture(scope="module")
def portals() -> Iterator[dict[str, Portal]]:
    # "trs" answers its first report slowly (3 s), so a test can signal the watch mid-site.
    chosen = {p.name: p for p in build_portals(9, reports=2, slow_seconds=3.0) if p.name in ("trs", "query")}
    with PortalServer(chosen.values()):
        yield chosen


def sites_file(path: Path, sites: dict[str, str]) -> Path:
    path.write_text(
        "".join(f'[[site]]\nname = "{name}"\nstart_urls = ["{url}"]\n\n' for name, url in sites.items()),
        encoding="utf-8",
    )
    return path


def environment(settings: Settings, tmp_path: Path, sites: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOVREPORTS_ES_URL": settings.es_url,
        "GOVREPORTS_INDEX": settings.index,
        "GOVREPORTS_DATA_DIR": str(tmp_path / "data"),
        "GOVREPORTS_SITES": str(sites),
        "GOVREPORTS_ALLOW_PRIVATE_WEBHOOKS": "true",
    }


def runs(client: Elasticsearch, settings: Settings) -> list[SiteRun]:
    try:
        client.indices.refresh(index=MonitorIndices(settings.index).watch)
        hits = client.search(
            index=MonitorIndices(settings.index).watch, size=100, sort=[{"started_at": "asc"}]
        )
    except NotFoundError:
        return []
    return [SiteRun.model_validate(hit["_source"]) for hit in hits["hits"]["hits"]]


def test_sigterm_finishes_the_current_crawl_and_the_next_start_loses_nothing(
    es_client: Elasticsearch,
    es_settings: Settings,
    portals: dict[str, Portal],
    tmp_path: Path,
    free_port: int,
) -> None:
    trs, query = portals["trs"], portals["query"]
    indices = MonitorIndices(es_settings.index)
    ensure_indices(es_client, indices)
    receiver = Receiver()
    try:
        spec = SubscriptionSpec(
            name="trs city", filters=SearchFilters(city=[trs.region.city or ""]), webhook_url=receiver.url
        )
        subscriptions.save(es_client, indices, new_subscription(spec, utc_now(), None))
        env = environment(
            es_settings,
            tmp_path,
            sites_file(
                tmp_path / "sites.toml",
                {
                    "trs": trs.home_url,
                    "query": query.home_url,
                },
            ),
        )
        watcher = subprocess.Popen(
            [GOVREPORTS, "watch", "--every", "1h", "--no-polite"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not any(run.site == "trs" and run.status == "running" for run in runs(es_client, es_settings)):
            assert watcher.poll() is None and time.monotonic() < deadline, watcher.communicate()
            time.sleep(0.2)
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=120)
        assert watcher.returncode == 0, err
        assert "stopped" in out
        # The crawl under way (of both sites together) was finished and recorded; nothing was sent.
        stopped = runs(es_client, es_settings)
        recorded_first = sorted((run.site, run.status, run.new) for run in stopped)
        assert recorded_first == [("query", "ok", 2), ("trs", "ok", 2)]
        assert receiver.posts == []
        first_cycle = stopped[0].cycle_id

        # The next start (with a portal that does not answer added to the file) crawls every site,
        # fails the dead one alone, and delivers what the stopped cycle indexed: derived from the index.
        sites_file(
            tmp_path / "sites.toml",
            {
                "dead": f"http://127.0.0.1:{free_port}/",
                "trs": trs.home_url,
                "query": query.home_url,
            },
        )
        again = subprocess.run(
            [GOVREPORTS, "watch", "--once", "--no-polite"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode == 1
        assert "dead: failed" in again.stdout and "trs: ok" in again.stdout and "query: ok, " in again.stdout
        # The command's verdict is one line, the last (the crawler logs the refused connections above it).
        assert again.stderr.strip().splitlines()[-1].startswith("error: 1 of 3 sites failed: site dead: ")
        recorded = {run.site: run for run in runs(es_client, es_settings) if run.cycle_id != first_cycle}
        assert recorded["dead"].status == "failed" and recorded["dead"].error
        assert (recorded["trs"].status, recorded["trs"].new) == ("ok", 0)
        assert (recorded["query"].status, recorded["query"].new) == ("ok", 0)
        [event] = receiver.events()
        assert sorted(report["url"] for report in event["reports"]) == sorted(trs.truth().reports)
    finally:
        receiver.down()


@pytest.mark.parametrize(
    ("arguments", "error"),
    [(["--every", "soon"], InvalidDuration), (["--once", "--site", "nowhere"], ConfigError)],
)
def test_bad_arguments_are_domain_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], error: type[Exception]
) -> None:
    # In-process: `govreports.cli.main` turns any GovreportsError into one line without a traceback.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(
        "GOVREPORTS_SITES", str(sites_file(tmp_path / "sites.toml", {"one": "http://127.0.0.1:9/"}))
    )
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["watch", *arguments])
    finally:
        get_settings.cache_clear()
    assert isinstance(result.exception, error), result.output


def test_without_a_sites_file_watch_says_what_to_set(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "GOVREPORTS_SITES"}
    result = subprocess.run(
        [GOVREPORTS, "watch", "--once"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "GOVREPORTS_SITES" in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
