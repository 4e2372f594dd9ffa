"""A real three-node cluster (`govreports es start --nodes 3`) that loses a node in the middle of
`govreports index`: searches recover within 30 s, the same command finishes, nothing is lost.

The cluster has ports of its own (never the shared node's) and its own folders under the shared
GOVREPORTS_ES_HOME (so the distribution is not fetched again); both go away at the end, failed or not.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch, helpers

from govreports.elastic import processes
from govreports.elastic.layout import ClusterLayout, NodeLayout
from govreports.es_client import build_client
from govreports.settings import Settings
from indexer.synthetic import random_report, render

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

GOVREPORTS = Path(sys.executable).with_name("govreports")
NODES = 3
HEAP = "512m"
CORPUS = 1200  # reports per run
EARLY = 200  # of which indexed once before, then edited: each gets a revision
KILL_AT = 0.3  # share of the corpus written when the node dies
RECOVERY_S = 30.0  # searches may fail this long after the kill, never after
SEARCH_TIMEOUT_S = 10.0
# Three nodes starting on a busy 2-core machine take a minute or two; a run with a kill, a few more.
COMMAND_TIMEOUT_S = 600
CLUSTER_TEST_TIMEOUT_S = 900


def ports_free(*ports: int) -> bool:
    for port in ports:
        with socket.socket() as probe_socket:
            # As Elasticsearch binds: a port whose last connections linger in TIME_WAIT is free.
            probe_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe_socket.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_base_port() -> int:
    """A base port whose HTTP ports and transport ports (100 above) are all free, away from 9200."""
    for base in range(9210, 9300, 10):
        http_ports = range(base, base + NODES)
        if ports_free(*http_ports, *(port + 100 for port in http_ports)):
            return base
    raise AssertionError("no free ports for a local cluster between 9210 and 9300")


@dataclass(frozen=True)
class LocalCluster:
    """The console script pointed at the cluster: every node's URL, the shared ES home."""

    base_port: int
    es_home: Path
    workdir: Path

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.base_port + offset}" for offset in range(NODES)]

    @property
    def es_url(self) -> str:
        return ",".join(self.urls)

    @property
    def layout(self) -> ClusterLayout:
        return ClusterLayout(es_home=self.es_home.resolve(), base_port=self.base_port)

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "GOVREPORTS_ES_URL": self.es_url,
            "GOVREPORTS_ES_HOME": str(self.es_home),
            "GOVREPORTS_ES_HEAP": HEAP,
            # Short-lived nodes: the quick C1 compiler alone halves start-up on a busy 2-core machine.
            "ES_JAVA_OPTS": "-XX:TieredStopAtLevel=1",
            **extra,
        }

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(GOVREPORTS), *args],
            cwd=self.workdir,
            env=self.environment(**extra),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )

    def client(self) -> Elasticsearch:
        return build_client(Settings(es_url=self.es_url))

    def member(self, name: str) -> NodeLayout:
        (found,) = [node for node in self.layout.nodes(NODES) if node.name == name]
        return found

    def remove(self) -> None:
        """Stop every node (by its recorded group, whatever `es stop` did) and delete the folders."""
        self.run("es", "stop")
        for node in self.layout.existing_nodes():
            pid = node.read_pid()
            if pid is not None and processes.node_alive(pid):
                processes.stop_group(pid, 10.0)
        shutil.rmtree(self.layout.root, ignore_errors=True)
        self.layout.lock_file.unlink(missing_ok=True)


@dataclass(frozen=True)
class Started:
    cluster: LocalCluster
    start: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    cluster = LocalCluster(
        base_port=free_base_port(), es_home=Settings().es_home, workdir=tmp_path_factory.mktemp("cluster")
    )
    try:
        started = cluster.run("es", "start", "--nodes", str(NODES))
        assert started.returncode == 0, started
        yield Started(cluster, started)
    finally:
        cluster.remove()


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT_S)
def test_start_prints_every_node_url_and_status_shows_every_node(local_cluster: Started) -> None:
    cluster = local_cluster.cluster
    assert local_cluster.start.stdout.strip() == cluster.es_url
    assert local_cluster.start.stderr.startswith(f"started: cluster govreports-local-{cluster.base_port} (")

    status = cluster.run("es", "status")

    assert status.returncode == 0, status
    head, *nodes = status.stdout.strip().splitlines()
    assert head.startswith(f"running: cluster govreports-local-{cluster.base_port} (green), 3 of 3 nodes")
    assert len(nodes) == NODES
    for node, url in zip(nodes, cluster.urls, strict=True):
        assert f"at {url}: running, pid " in node
    assert sum("elected master" in node for node in nodes) == 1
    jvms = cluster.client().nodes.info(metric="jvm")["nodes"].values()
    assert [jvm["jvm"]["mem"]["heap_max_in_bytes"] for jvm in jvms] == [512 * 1024 * 1024] * NODES


def test_a_single_node_data_folder_on_the_port_is_refused(tmp_path: Path, local_cluster: Started) -> None:
    single = NodeLayout(es_home=tmp_path, port=local_cluster.cluster.base_port)
    (single.data / "_state").mkdir(parents=True)
    other = LocalCluster(base_port=single.port, es_home=tmp_path, workdir=tmp_path)

    result = other.run("es", "start", "--nodes", str(NODES))

    assert result.returncode == 1, result
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {single.data} holds the data of the single-node Elasticsearch")
    assert not other.layout.root.exists()  # refused before anything was made


@dataclass
class SearchLoop:
    """Searches the alias over and over through the project's client; remembers when each failed."""

    client: Elasticsearch
    alias: str
    failures: list[tuple[float, str]] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        searcher = self.client.options(request_timeout=SEARCH_TIMEOUT_S)
        while not self.stopping.is_set():
            try:
                answer = searcher.search(index=self.alias, query={"match": {"text": "政府信息公开"}}, size=10)
                failed = answer["_shards"]["failed"]
                if failed:
                    self.failures.append((time.monotonic(), f"{failed} shards failed"))
                else:
                    self.successes.append(time.monotonic())
            except Exception as error:  # whatever breaks a search counts as a failure
                self.failures.append((time.monotonic(), repr(error)))
            time.sleep(0.25)

    def __enter__(self) -> SearchLoop:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=SEARCH_TIMEOUT_S * 5)


def write_corpus(folder: Path, count: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for n in range(count):
        layout = ("tab_rows", "html")[n % 2]
        (folder / f"{n:05d}.{'txt' if layout == 'tab_rows' else 'html'}").write_bytes(
            render(random_report(rng), layout)
        )


def stored(client: Elasticsearch, alias: str) -> dict[str, dict[str, Any]]:
    client.indices.refresh(index=alias)
    fields = ["first_seen_at", "content_sha256", "fetched_at", "revisions", "source_url"]
    hits = helpers.scan(client, index=alias, query={"query": {"match_all": {}}}, _source=fields)
    documents: dict[str, dict[str, Any]] = {}
    for hit in hits:
        assert hit["_id"] not in documents, f"{hit['_id']} found twice"
        documents[hit["_id"]] = hit["_source"]
    return documents


def written_so_far(client: Elasticsearch, alias: str) -> int:
    """Documents written to the alias's primaries, refreshed or not (refresh is off during the load)."""
    stats = client.indices.stats(index=alias, metric="indexing")
    total: int = stats["_all"]["primaries"]["indexing"]["index_total"]
    return total


def victim_node(client: Elasticsearch, alias: str, victim: str) -> str:
    """The elected master, or a data node holding a primary of the reports that is not the master."""
    masters: Any = client.cat.master(format="json").body
    master = str(masters[0]["node"])
    if victim == "master":
        return master
    shards: Any = client.cat.shards(index=alias, format="json").body
    holders = [str(row["node"]) for row in shards if row["prirep"] == "p" and row["node"] != master]
    assert holders, shards
    return holders[0]


def wait_until_written(client: Elasticsearch, alias: str, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + COMMAND_TIMEOUT_S
    while written_so_far(client, alias) < count:
        assert process.poll() is None, "the load finished before the node could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT_S)
@pytest.mark.parametrize("victim", ["data node", "master"])
def test_an_index_run_survives_losing_a_node(local_cluster: Started, tmp_path: Path, victim: str) -> None:
    cluster = local_cluster.cluster
    alias = f"cluster-{victim.replace(' ', '-')}-{uuid.uuid4().hex[:8]}"
    settings = {
        "GOVREPORTS_INDEX": alias,
        "GOVREPORTS_DATA_DIR": str(tmp_path / "data"),
        "GOVREPORTS_INDEX_SHARDS": "3",
    }
    corpus = tmp_path / "corpus"
    write_corpus(corpus / "early", EARLY, seed=1)
    write_corpus(corpus / "late", CORPUS - EARLY, seed=2)
    first = cluster.run("index", "--workers", "1", str(corpus / "early"), **settings)
    assert first.returncode == 0, first
    client = cluster.client()
    before = stored(client, alias)
    assert len(before) == EARLY
    write_corpus(corpus / "early", EARLY, seed=3)  # the same files, edited: each a revision

    with SearchLoop(cluster.client(), alias) as searches:
        load = subprocess.Popen(
            [str(GOVREPORTS), "index", "--workers", "1", "--batch-size", "50", str(corpus)],
            cwd=cluster.workdir,
            env=cluster.environment(**settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until_written(client, alias, EARLY + int(KILL_AT * CORPUS), load)
        killed = cluster.member(victim_node(client, alias, victim))
        killed_pid = killed.read_pid()
        assert killed_pid is not None
        os.killpg(killed_pid, signal.SIGKILL)
        killed_at = time.monotonic()
        out, err = load.communicate(timeout=COMMAND_TIMEOUT_S)
        # Searches go on until well past the recovery window, however quickly the load finished.
        while time.monotonic() < killed_at + RECOVERY_S + 10:
            time.sleep(0.5)

    assert load.returncode == 0, (out, err)
    summary = f"indexed {CORPUS}: {CORPUS - EARLY} new, {EARLY} revised, 0 unchanged; 0 failed"
    assert out.splitlines()[0] == summary, (out, err)
    since_kill = [(moment - killed_at, reason) for moment, reason in searches.failures]
    assert all(0 <= delay <= RECOVERY_S for delay, _ in since_kill), since_kill
    assert sum(moment > killed_at + RECOVERY_S for moment in searches.successes) >= 10

    back = cluster.run("es", "start", "--nodes", str(NODES))
    assert back.returncode == 0, back
    assert back.stderr.startswith("started:"), back.stderr
    health = client.options(request_timeout=200).cluster.health(wait_for_status="green", timeout="180s")
    assert health["status"] == "green" and health["number_of_nodes"] == NODES

    sizes = client.indices.get_settings(
        index=f"{alias},{alias}-versions", name="index.*_replicas,index.*_shards"
    )
    for index, entry in sizes.body.items():
        assert entry["settings"]["index"]["auto_expand_replicas"] == "0-1", index
    reports = sizes[next(name for name in sizes.body if not name.endswith("-versions"))]
    assert reports["settings"]["index"]["number_of_shards"] == "3"

    after = stored(client, alias)
    assert len(after) == CORPUS
    for report_id, earlier in before.items():
        now = after[report_id]
        assert now["first_seen_at"] == earlier["first_seen_at"]
        assert now["revisions"] == [
            {"content_sha256": earlier["content_sha256"], "fetched_at": earlier["fetched_at"]}
        ]
        assert now["content_sha256"] != earlier["content_sha256"]
    for report_id in after.keys() - before.keys():
        assert after[report_id]["first_seen_at"] and not after[report_id].get("revisions")


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT_S)
def test_stop_stops_every_node(local_cluster: Started) -> None:
    cluster = local_cluster.cluster
    pids = [node.read_pid() for node in cluster.layout.nodes(NODES)]

    result = cluster.run("es", "stop")

    assert result.returncode == 0, result
    lines = result.stdout.strip().splitlines()
    assert len(lines) == NODES and all(line.startswith("stopped: govreports-") for line in lines), lines
    assert not [pid for pid in pids if pid is not None and processes.node_alive(pid)]
    assert ports_free(*range(cluster.base_port, cluster.base_port + NODES))
