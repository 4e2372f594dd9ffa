"""Where one local node keeps its things, and the configuration it is started with.

Layout under `GOVREPORTS_ES_HOME`:
  elasticsearch-<version>/   the unpacked distribution, shared by every node
  distribution.lock          held while fetching/unpacking it
  nodes/<port>/              one node per HTTP port: config/, data/, logs/, tmp/, node.pid
  nodes/<port>.lock          held while starting or stopping that node
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

CLUSTER_NAME = "govreports-local"
# Lines of the stock jvm.options that write next to the working folder or dump a whole heap.
UNWANTED_JVM_OPTIONS = ("-Xlog:", "-XX:ErrorFile", "-XX:+HeapDumpOnOutOfMemoryError", "-XX:HeapDumpPath")


@dataclass(frozen=True)
class NodeLayout:
    es_home: Path
    port: int

    @property
    def root(self) -> Path:
        return self.es_home / "nodes" / str(self.port)

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
        return self.logs / f"{CLUSTER_NAME}.log"

    @property
    def lock_file(self) -> Path:
        return self.es_home / "nodes" / f"{self.port}.lock"

    def read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None


def elasticsearch_yml(layout: NodeLayout) -> str:
    settings = {
        "cluster.name": CLUSTER_NAME,
        "node.name": f"govreports-{layout.port}",
        "path.data": str(layout.data),
        "path.logs": str(layout.logs),
        # Loopback only: nothing outside this machine can reach it, and bootstrap checks stay in dev mode.
        "network.host": "127.0.0.1",
        "http.port": str(layout.port),
        "discovery.type": "single-node",
        "xpack.security.enabled": "false",
        # A shared disk filling up must not flip every index to read-only under other people's tests.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
    }
    return "".join(f"{key}: {value}\n" for key, value in settings.items())


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


def write_config(layout: NodeLayout, distribution: Path, heap: str) -> None:
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
    (layout.config / "elasticsearch.yml").write_text(elasticsearch_yml(layout))
    (layout.config / "jvm.options").write_text(jvm_options((stock / "jvm.options").read_text(), layout, heap))
