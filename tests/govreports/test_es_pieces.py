"""The local-node helpers that need no running node: configuration, parsing, unpacking, errors."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from govreports.elastic import distribution, layout, node, processes
from govreports.elastic.layout import NodeLayout
from govreports.elastic.probe import host_and_port

STOCK_JVM_OPTIONS = """\
-XX:+UseG1GC
-Djava.io.tmpdir=${ES_TMPDIR}
-XX:+HeapDumpOnOutOfMemoryError
-XX:+ExitOnOutOfMemoryError
-XX:HeapDumpPath=data
-XX:ErrorFile=hs_err_pid%p.log
-Xlog:gc*,gc+age=trace,safepoint:file=gc.log:utctime,level,pid,tags:filecount=32,filesize=64m
"""


@pytest.fixture
def node_layout(tmp_path: Path) -> NodeLayout:
    return NodeLayout(es_home=tmp_path, port=9456)


def test_elasticsearch_yml_binds_loopback_single_node_without_security(node_layout: NodeLayout) -> None:
    lines = layout.elasticsearch_yml(node_layout).splitlines()
    assert "network.host: 127.0.0.1" in lines
    assert "http.port: 9456" in lines
    assert "discovery.type: single-node" in lines
    assert "xpack.security.enabled: false" in lines
    assert "cluster.routing.allocation.disk.threshold_enabled: false" in lines
    assert f"path.data: {node_layout.root / 'data'}" in lines
    assert f"path.logs: {node_layout.root / 'logs'}" in lines


@pytest.mark.parametrize("heap", ["1g", "512m"])
def test_jvm_options_fix_the_heap_and_keep_files_in_the_node(node_layout: NodeLayout, heap: str) -> None:
    options = layout.jvm_options(STOCK_JVM_OPTIONS, node_layout, heap).splitlines()
    assert f"-Xms{heap}" in options
    assert f"-Xmx{heap}" in options
    assert "-XX:+UseG1GC" in options
    assert "-XX:+ExitOnOutOfMemoryError" in options
    assert "-XX:+HeapDumpOnOutOfMemoryError" not in options
    assert not [o for o in options if "file=gc.log" in o or o.endswith("=hs_err_pid%p.log")]
    assert f"-XX:ErrorFile={node_layout.logs}/hs_err_pid%p.log" in options


def test_write_config_keeps_the_keystore(tmp_path: Path, node_layout: NodeLayout) -> None:
    stock = tmp_path / "dist" / "config"
    (stock / "jvm.options.d").mkdir(parents=True)
    (stock / "jvm.options").write_text(STOCK_JVM_OPTIONS)
    (stock / "log4j2.properties").write_text("stock logging\n")
    node_layout.config.mkdir(parents=True)
    (node_layout.config / "elasticsearch.keystore").write_bytes(b"secret")

    layout.write_config(node_layout, tmp_path / "dist", "1g")

    assert (node_layout.config / "elasticsearch.keystore").read_bytes() == b"secret"
    assert (node_layout.config / "log4j2.properties").read_text() == "stock logging\n"
    assert "http.port: 9456" in (node_layout.config / "elasticsearch.yml").read_text()
    assert all(folder.is_dir() for folder in (node_layout.data, node_layout.logs, node_layout.tmp))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4242 (java) S 1 4242 4242 0 -1 4194560 0 0", ("S", 4242)),
        ("77 (odd) name)) Z 4242 4242 4242 0", ("Z", 4242)),
        ("9 (sh) R 8 9000 9000 0", ("R", 9000)),
    ],
)
def test_parse_stat_reads_state_and_group(raw: str, expected: tuple[str, int]) -> None:
    assert processes.parse_stat(raw) == expected


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (
            "\x1b[0m\x1b[0m[ERROR] Failed to execute goal ... Could not transfer artifact -> [Help 1]\n"
            "[ERROR] \n[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.\n",
            "Failed to execute goal ... Could not transfer artifact",
        ),
        ("plain failure\n", "plain failure"),
        ("", "no output"),
    ],
)
def test_maven_failure_reason_is_its_first_error(output: str, reason: str) -> None:
    assert distribution.maven_failure_reason(output) == reason


def test_telling_lines_drop_stack_frames() -> None:
    log = (
        "[ERROR] fatal exception while booting\n"
        "java.lang.IllegalStateException: failed to obtain node locks\n"
        "\tat org.elasticsearch.env.NodeEnvironment.<init>(NodeEnvironment.java:1)\n"
        "\t... 4 more\n\n"
    )
    assert node.telling_lines(log) == [
        "[ERROR] fatal exception while booting",
        "java.lang.IllegalStateException: failed to obtain node locks",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:9200", ("127.0.0.1", 9200)),
        ("http://localhost:19201/", ("localhost", 19201)),
        ("http://127.0.0.1", ("127.0.0.1", 9200)),
        ("https://search.example.org", ("search.example.org", 443)),
    ],
)
def test_host_and_port(url: str, expected: tuple[str, int]) -> None:
    assert host_and_port(url) == expected


def test_unpack_keeps_executable_bits_and_leaves_no_scratch(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        script = zipfile.ZipInfo("elasticsearch-x/bin/elasticsearch")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        bundle.writestr(script, "#!/bin/sh\n")
        bundle.writestr("elasticsearch-x/config/jvm.options", "-Xms1g\n")
    target = tmp_path / "home" / "elasticsearch-x"

    distribution.unpack(archive, tmp_path / "home", target)

    assert (target / "bin" / "elasticsearch").stat().st_mode & 0o777 == 0o755
    assert (target / "config" / "jvm.options").read_text() == "-Xms1g\n"
    assert sorted(path.name for path in (tmp_path / "home").iterdir()) == ["elasticsearch-x"]


def test_unpack_refuses_a_corrupt_archive(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    archive.write_bytes(b"not a zip")
    with pytest.raises(distribution.DistributionError, match="could not unpack"):
        distribution.unpack(archive, tmp_path / "home", tmp_path / "home" / "elasticsearch-x")
    assert not (tmp_path / "home" / "elasticsearch-x").exists()


def test_missing_maven_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(distribution.DistributionError, match=r"Maven \(mvn\) is not installed"):
        distribution.fetch_with_maven(tmp_path / "downloads")


def test_missing_java_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(node.NodeStartError, match="no JDK found"):
        node.find_java_home()


@pytest.fixture
def stand_in_node() -> Iterator[subprocess.Popen[bytes]]:
    """A process group shaped like a node: a leader and a child, "elasticsearch" in their command lines."""
    script = "sleep 60 & wait"
    process = subprocess.Popen(["bash", "-c", script, "elasticsearch-test-group"], start_new_session=True)
    yield process
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_stop_group_ends_every_process_of_the_node(stand_in_node: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while len(processes.live_members(stand_in_node.pid)) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes.node_alive(stand_in_node.pid)

    processes.stop_group(stand_in_node.pid, grace_s=10)

    assert not processes.node_alive(stand_in_node.pid)


def test_a_zombie_node_counts_as_dead(stand_in_node: subprocess.Popen[bytes]) -> None:
    os.killpg(stand_in_node.pid, signal.SIGKILL)
    # Not reaped yet (no wait()): the leader lingers as a zombie, as under a PID 1 that never reaps.
    assert processes.wait_until_gone(stand_in_node.pid, 10)
    assert processes.stat_fields(stand_in_node.pid) is not None


def test_processes_of_other_programs_are_never_the_node() -> None:
    with subprocess.Popen(["sleep", "30"], start_new_session=True) as other:
        try:
            assert not processes.node_alive(other.pid)
        finally:
            other.kill()


def test_a_cluster_member_finds_its_peers_on_transport_ports_100_above(tmp_path: Path) -> None:
    cluster = layout.ClusterLayout(es_home=tmp_path, base_port=9210)
    member = cluster.node(9211)

    lines = layout.elasticsearch_yml(member, cluster_size=3).splitlines()

    assert "cluster.name: govreports-local-9210" in lines
    assert "node.name: govreports-9211" in lines
    assert "http.port: 9211" in lines and "transport.port: 9311" in lines
    assert 'discovery.seed_hosts: ["127.0.0.1:9310", "127.0.0.1:9311", "127.0.0.1:9312"]' in lines
    assert not [line for line in lines if line.startswith(("discovery.type", "cluster.initial_master_nodes"))]
    assert "network.host: 127.0.0.1" in lines and "xpack.security.enabled: false" in lines


def test_only_the_first_start_names_the_nodes_electing_the_first_master(tmp_path: Path) -> None:
    member = layout.ClusterLayout(es_home=tmp_path, base_port=9210).node(9210)
    first = layout.elasticsearch_yml(member, cluster_size=3, bootstrap=True).splitlines()
    assert 'cluster.initial_master_nodes: ["govreports-9210", "govreports-9211", "govreports-9212"]' in first


def test_a_cluster_keeps_its_folders_apart_from_the_single_node_of_its_port(tmp_path: Path) -> None:
    single = NodeLayout(es_home=tmp_path, port=9210)
    cluster = layout.ClusterLayout(es_home=tmp_path, base_port=9210)
    members = cluster.nodes(3)

    assert [member.port for member in members] == [9210, 9211, 9212]
    assert len({single.data, *(member.data for member in members)}) == 4
    assert all(member.root.is_relative_to(tmp_path / "clusters" / "9210") for member in members)
    assert members[0].server_log.name == "govreports-local-9210.log"
    assert {member.lock_file for member in members} == {tmp_path / "clusters" / "9210.lock"}
    assert single.lock_file != members[0].lock_file
