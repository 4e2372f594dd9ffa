"""A local cluster of several nodes from the same distribution (`govreports es start --nodes N`).

Node i answers HTTP on the port of GOVREPORTS_ES_URL plus i and talks to its peers on that port
plus 100. The nodes find each other through their transport ports (seed hosts); the very
first start also names them as the nodes that elect the first master, later starts must not.
The cluster keeps its data apart from the single node of the same port (`layout.ClusterLayout`).
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass

import httpx

from govreports.elastic import processes
from govreports.elastic.layout import ClusterLayout, NodeLayout
from govreports.elastic.node import (
    LOOPBACK_HOSTS,
    START_TIMEOUT_S,
    STOP_GRACE_S,
    NodeStartError,
    file_lock,
    first_node_url,
    log_with_tail,
    spawn,
)
from govreports.elastic.probe import PROBE_TIMEOUT_S, Answer, host_and_port, probe
from govreports.errors import ElasticsearchUnavailable
from govreports.settings import Settings


def cluster_for(settings: Settings) -> ClusterLayout:
    _, port = host_and_port(first_node_url(settings))
    return ClusterLayout(es_home=settings.es_home.resolve(), base_port=port)


def node_url(layout: NodeLayout) -> str:
    return f"http://127.0.0.1:{layout.port}"


def start(settings: Settings, size: int) -> tuple[str, bool]:
    """Make sure the `size` nodes of the local cluster run and have formed it; return its
    description and whether this call started any node."""
    url = first_node_url(settings)
    host, _ = host_and_port(url)
    if host not in LOOPBACK_HOSTS or not url.startswith("http://"):
        raise NodeStartError(
            f"`govreports es start --nodes N` runs nodes at http://127.0.0.1:<port> only, not {url}"
        )
    cluster = cluster_for(settings)
    refuse_single_node_data(cluster)
    cluster.root.mkdir(parents=True, exist_ok=True)
    # Several callers may start it at once: the first starts the nodes, the others wait here.
    with file_lock(cluster.lock_file):
        members = cluster.nodes(size)
        bootstrap = not cluster.formed_marker.exists()
        started = []
        for member in members:
            pid = member.read_pid()
            if pid is not None and processes.node_alive(pid):
                continue
            refuse_a_stranger(cluster, member)
            started.append(spawn(settings, member, cluster_size=size, bootstrap=bootstrap))
        wait_until_formed(cluster, members)
        cluster.formed_marker.touch()
    return describe(cluster), bool(started)


def refuse_single_node_data(cluster: ClusterLayout) -> None:
    """The single node's data on this port is never taken into a cluster, nor left to look lost."""
    single = NodeLayout(es_home=cluster.es_home, port=cluster.base_port)
    if single.data.is_dir() and any(single.data.iterdir()):
        raise NodeStartError(
            f"{single.data} holds the data of the single-node Elasticsearch on port {cluster.base_port}; "
            "a cluster never joins or takes over a single node's data. Stop that node "
            "(`govreports es stop`) and move its folder away, or give the cluster other ports "
            "(GOVREPORTS_ES_URL=http://127.0.0.1:<port>)"
        )


def refuse_a_stranger(cluster: ClusterLayout, member: NodeLayout) -> None:
    """A member's port must be free: whatever answers there is not this cluster's stopped node."""
    url = node_url(member)
    look = probe(url)
    if look.answer is Answer.NOTHING:
        return
    if look.answer is Answer.SOMETHING_ELSE:
        raise NodeStartError(
            f"port {member.port} on 127.0.0.1 is taken by something that is not Elasticsearch"
        )
    raise NodeStartError(
        f"an Elasticsearch that is not a node of {cluster.name} answers at {url} (a single node, or "
        f"another cluster); the cluster needs ports {cluster.base_port}-{member.port}: stop it or give "
        "the cluster other ports (GOVREPORTS_ES_URL=http://127.0.0.1:<port>)"
    )


def wait_until_formed(cluster: ClusterLayout, members: list[NodeLayout]) -> None:
    """Wait until every member answers as part of a cluster of them all (yellow or green)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        answering = all(probe(node_url(member)).answer is Answer.ELASTICSEARCH for member in members)
        if answering and node_count(node_url(members[0])) >= len(members):
            return
        for member in members:
            pid = member.read_pid()
            if pid is None or not processes.node_alive(pid):
                raise NodeStartError(f"Elasticsearch exited while starting; log: {log_with_tail(member)}")
        time.sleep(1.0)
    raise NodeStartError(
        f"{cluster.name} did not form within {START_TIMEOUT_S:.0f} s; log: {log_with_tail(members[0])}"
    )


def node_count(url: str) -> int:
    try:
        health = httpx.get(f"{url}/_cluster/health", timeout=PROBE_TIMEOUT_S).json()
        return int(health.get("number_of_nodes", 0))
    except (httpx.HTTPError, ValueError, AttributeError):
        return 0


@dataclass(frozen=True)
class MemberState:
    layout: NodeLayout
    pid: int | None  # None: not running
    answers: bool
    master: bool

    def line(self) -> str:
        role = ", elected master" if self.master else ""
        if self.pid is None:
            running = "stopped"
        elif self.answers:
            running = f"running, pid {self.pid}{role}"
        else:
            running = f"starting, pid {self.pid}"
        where = f"data {self.layout.data}, log {self.layout.server_log}"
        return f"  {self.layout.name} at {node_url(self.layout)}: {running}; {where}"


def member_states(cluster: ClusterLayout) -> list[MemberState]:
    members = cluster.existing_nodes()
    master = elected_master(members)
    states = []
    for member in members:
        pid = live_pid(member)
        answers = pid is not None and probe(node_url(member)).answer is Answer.ELASTICSEARCH
        states.append(MemberState(member, pid, answers, member.name == master))
    return states


def elected_master(members: list[NodeLayout]) -> str | None:
    """The name of the elected master, as the first member that answers sees it."""
    for member in members:
        try:
            answer = httpx.get(f"{node_url(member)}/_cat/master?format=json", timeout=PROBE_TIMEOUT_S)
            rows = answer.json()
            if answer.status_code == 200 and rows:
                return str(rows[0]["node"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            continue
    return None


def live_pid(member: NodeLayout) -> int | None:
    pid = member.read_pid()
    return pid if pid is not None and processes.node_alive(pid) else None


def is_running(cluster: ClusterLayout) -> bool:
    return any(state.pid is not None for state in member_states(cluster))


def describe(cluster: ClusterLayout) -> str:
    """One line for the cluster, then one per node."""
    states = member_states(cluster)
    answering = [state for state in states if state.answers]
    if not answering:
        raise ElasticsearchUnavailable(
            f"not running: no node of {cluster.name} answers (start it: `govreports es start --nodes N`)"
        )
    health = cluster_health(node_url(answering[0].layout))
    head = f"running: cluster {cluster.name} ({health}), {len(answering)} of {len(states)} nodes answer"
    return "\n".join([head, *(state.line() for state in states)])


def cluster_health(url: str) -> str:
    try:
        return str(httpx.get(f"{url}/_cluster/health", timeout=PROBE_TIMEOUT_S).json()["status"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return "no master"


def stop(cluster: ClusterLayout) -> list[str]:
    """Stop every node of the cluster that runs, all at once; one line per node stopped."""
    if not cluster.root.is_dir():
        return []
    with file_lock(cluster.lock_file):
        members = cluster.existing_nodes()
        running = [(member, pid) for member in members if (pid := live_pid(member)) is not None]
        for _, pid in running:  # all told at once: none waits for the others' shutdown
            processes.send(pid, signal.SIGTERM)
        lines = []
        for member, pid in running:
            processes.stop_group(pid, STOP_GRACE_S)
            member.pid_file.unlink(missing_ok=True)
            lines.append(f"stopped: {member.name} of {cluster.name} at {node_url(member)} (pid {pid})")
        return lines
