"""Where one local node keeps its things, and the configuration it is started with.

Layout under `GOVREPORTS_ES_HOME`:
  elasticsearch-<version>/   the unpacked distribution, shared by every node
  distribution.lock          held while fetching/unpacking it
  nodes/<port>/              one node per HTTP port: config/, data/, logs/, tmp/, node.pid
  nodes/<port>.lock          held while starting or stopping that node
  clusters/<port>/<port+i>/  a local cluster (`es start --nodes N`) named by its first HTTP port:
                             one folder per node, as above; `formed` once it first elected a master
  clusters/<port>.lock       held while starting or stopping that cluster
A cluster never shares a folder with the single node of the same port: their data stay apart.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CLUSTER_NAME = "govreports-local"
# A cluster node's transport port sits this far above its HTTP port (9200 -> 9300).
TRANSPORT_PORT_OFFSET = 100
# Lines of the stock jvm.options that write next to the working folder or dump a whole heap.
UNWANTED_JVM_OPTIONS = ("-Xlog:", "-XX:ErrorFile", "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath")


@dataclass(frozen=True)
class ClusterLayout:
    """A local cluster whose nodes' HTTP ports run up from `base_port`."""

    es_home: Path
    base_port: int

    @property
    def root(self) -> Path:
        return self.es_home / "clusters" / str(self.base_port)

    @property
    def name(self) -> str:
        # Named by its port: two local clusters never take each other's nodes.
        return f"{CLUSTER_NAME}-{self.base_port}"

    @property
    def lock_file(self) -> Path:
        return self.es_home / "clusters" / f"{self.base_port}.lock"

    @property
    def formed_marker(self) -> Path:
        """Written once the cluster has elected its first master: later starts must not bootstrap it."""
        return self.root / "formed"

    def node(self, port: int) -> NodeLayout:
        return NodeLayout(es_home=self.es_home, port=port, cluster=self)

    def nodes(self, size: int) -> list[NodeLayout]:
        return [self.node(self.base_port + offset) for offset in range(size)]

    def existing_nodes(self) -> list[NodeLayout]:
        """The nodes some start has made a folder for, by port."""
        if not self.root.is_dir():
            return []
        ports = sorted(int(entry.name) for entry in self.root.iterdir() if entry.name.isdigit())
        return [self.node(port) for port in ports]


@dataclass(frozen=True)
class NodeLayout:
    es_home: Path
    port: int
    cluster: ClusterLayout | None = None  # None: the single node of `govreports es start`

    @property
    def root(self) -> Path:
        if self.cluster is not None:
            return self.cluster.root / str(self.port)
        return self.es_home / "nodes" / str(self.port)

    @property
    def name(self) -> str:
        return f"govreports-{self.port}"

    @property
    def cluster_name(self) -> str:
        return self.cluster.name if self.cluster is not None else CLUSTER_NAME

    @property
    def transport_port(self) -> int:
        return self.port + TRANSPORT_PORT_OFFSET

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def pid_file(self) -> Path:
        return self.root / "node.pid"

    @property
    def console_log(self) -> Path:
        """The launcher's stdout and stderr: start-up failures land here before logging is up."""
        return self.logs / "console.log"

    @property
    def server_log(self) -> Path:
        return self.logs / f"{self.cluster_name}.log"

    @property
    def lock_file(self) -> Path:
        if self.cluster is not None:
            return self.cluster.lock_file
        return self.es_home / "nodes" / f"{self.port}.lock"

    def read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None


def elasticsearch_yml(layout: NodeLayout, *, cluster_size: int = 1, bootstrap: bool = False) -> str:
    """The node's configuration; a cluster member's names its peers (and, on the cluster's very
    first start, `bootstrap`, the nodes that elect the first master)."""
    settings = {
        "cluster.name": layout.cluster_name,
        "node.name": layout.name,
        "path.data": str(layout.data),
        "path.logs": str(layout.logs),
        # Loopback only: nothing outside this machine can reach it, and bootstrap checks stay in dev mode.
        "network.host": "127.0.0.1",
        "http.port": str(layout.port),
        **discovery(layout, cluster_size, bootstrap),
        "xpack.security.enabled": "false",
        # A shared disk filling up must not flip every index to read-only under other people's tests.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    return "".join(f"{key}: {value}\n" for key, value in settings.items())


def discovery(layout: NodeLayout, size: int, bootstrap: bool) -> dict[str, str]:
    """How a node finds its cluster: the single node alone, a member through its peers' transport ports."""
    if layout.cluster is None:
        return {"discovery.type": "single-node"}
    members = layout.cluster.nodes(size)
    found = {
        "transport.port": str(layout.transport_port),
        "discovery.seed_hosts": yaml_list(f"127.0.0.1:{member.transport_port}" for member in members),
    }
    if bootstrap:
        # Only before the cluster first forms: left in afterwards, it could bootstrap a second cluster.
        found["cluster.initial_master_nodes"] = yaml_list(member.name for member in members)
    return found


def yaml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def jvm_options(stock: str, layout: NodeLayout, heap: str) -> str:
    """The stock options minus those writing outside the node's folders, plus the heap and small GC logs."""
    kept = [line for line in stock.splitlines() if not line.strip().startswith(UNWANTED_JVM_OPTIONS)]
    ours = [
        f"-Xms{heap}",
        f"-Xmx{heap}",
        f"-XX:ErrorFile={layout.logs}/hs_err_pid%p.log",
        f"-Xlog:gc*,gc+age=trace,safepoint:file={layout.logs}/gc.log:utctime,level,pid,tags:filecount=2,filesize=16m",
    ]
    return "\n".join([*kept, "# govreports: a modest fixed heap for a shared machine", *ours, ""])


def write_config(
    layout: NodeLayout, distribution: Path, heap: str, *, cluster_size: int = 1, bootstrap: bool = False
) -> None:
    """(Re)write the node's config folder from the distribution's, keeping its keystore."""
    for folder in (layout.config, layout.data, layout.logs, layout.tmp):
        folder.mkdir(parents=True, exist_ok=True)
    stock = distribution / "config"
    for source in stock.rglob("*"):
        target = layout.config / source.relative_to(stock)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            shutil.copyfile(source, target)
    node_config = elasticsearch_yml(layout, cluster_size=cluster_size, bootstrap=bootstrap)
    (layout.config / "elasticsearch.yml").write_text(node_config)
    (layout.config / "jvm.options").write_text(jvm_options((stock / "jvm.options").read_text(), layout, heap))
