"""Start, stop and describe the local single-node Elasticsearch (`govreports es ...`)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govreports.elastic import processes
from govreports.elastic.distribution import ES_VERSION, ensure_distribution
from govreports.elastic.layout import NodeLayout, write_config
from govreports.elastic.probe import Answer, NodeFacts, Probe, host_and_port, node_facts, probe
from govreports.elastic.service_user import (
    RunAs,
    current_identity,
    give_tree,
    grant_traverse,
    running_as_root,
    service_identity,
)
from govreports.errors import ElasticsearchUnavailable, GovreportsError
from govreports.redaction import node_urls
from govreports.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
START_TIMEOUT_S = 240.0  # a first start on a busy 2-core machine takes about a minute
STOP_GRACE_S = 60.0
LOG_TAIL_LINES = 15
STACK_FRAME = ("at ", "... ")


class NodeStartError(GovreportsError):
    """The local node could not be started."""


@dataclass(frozen=True)
class RunningNode:
    url: str
    facts: NodeFacts
    pid: int | None  # None when the node answering was not started by `govreports es start`
    layout: NodeLayout | None

    def describe(self) -> str:
        owner = f"pid {self.pid}" if self.pid else "not started by govreports"
        where = f", data {self.layout.data}, log {self.layout.server_log}" if self.layout and self.pid else ""
        return (
            f"running: Elasticsearch {self.facts.version} at {self.url} "
            f"(cluster {self.facts.cluster_name}, {self.facts.status}), {owner}{where}"
        )


def first_node_url(settings: Settings) -> str:
    """The node URL a local node or cluster is started at: the first of GOVREPORTS_ES_URL's list."""
    urls = node_urls(settings.es_url)
    return (urls[0] if urls else settings.es_url).rstrip("/")


def layout_for(settings: Settings) -> NodeLayout:
    _, port = host_and_port(first_node_url(settings))
    return NodeLayout(es_home=settings.es_home.resolve(), port=port)


def start(settings: Settings) -> tuple[RunningNode, bool]:
    """Make sure a node answers at `settings.es_url`; return it and whether this call started it."""
    url = first_node_url(settings)
    first_look = probe(url)
    if first_look.answer is Answer.ELASTICSEARCH:
        return describe_running(url, layout_for(settings)), False
    refuse_unstartable(url, first_look)
    layout = layout_for(settings)
    layout.root.parent.mkdir(parents=True, exist_ok=True)
    # Several pytest sessions may call this at once: the first starts the node, the others wait here.
    with file_lock(layout.lock_file):
        second_look = probe(url)
        if second_look.answer is Answer.ELASTICSEARCH:
            return describe_running(url, layout), False
        refuse_unstartable(url, second_look)
        pid = layout.read_pid()
        if pid is None or not processes.node_alive(pid):
            pid = spawn(settings, layout)
        wait_until_ready(url, layout, pid)
        return describe_running(url, layout), True


def refuse_unstartable(url: str, look: Probe) -> None:
    host, port = host_and_port(url)
    if look.answer is Answer.SOMETHING_ELSE:
        raise NodeStartError(
            f"port {port} on {host} is taken by something that is not Elasticsearch ({look.detail})"
        )
    if host not in LOOPBACK_HOSTS or url.startswith("https:"):
        raise NodeStartError(
            f"nothing answers at {url}, and `govreports es start` only runs a node at http://127.0.0.1:<port>"
        )


def spawn(settings: Settings, layout: NodeLayout, *, cluster_size: int = 1, bootstrap: bool = False) -> int:
    """Launch the node in `layout` (a cluster member knows its `cluster_size` peers); return its pid."""
    java_home = find_java_home()
    settings.es_home.mkdir(parents=True, exist_ok=True)
    with file_lock(settings.es_home / "distribution.lock"):
        distribution = ensure_distribution(settings.es_home.resolve())
    write_config(layout, distribution, settings.es_heap, cluster_size=cluster_size, bootstrap=bootstrap)
    identity = node_identity(layout)
    layout.pid_file.unlink(missing_ok=True)
    environment = {
        **os.environ,
        "ES_JAVA_HOME": str(java_home),
        "ES_PATH_CONF": str(layout.config),
        "ES_TMPDIR": str(layout.tmp),
        "HOME": str(layout.root),
    }
    # A fresh console log per start: it then holds only this start's launcher messages.
    with layout.console_log.open("wb") as console:
        process = subprocess.Popen(
            # --quiet: the server logs to its own rotated files, not a second time to the console log.
            [*identity.prefix, str(distribution / "bin" / "elasticsearch"), "--quiet"],
            cwd=layout.root,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: outlives the caller, stops as one unit
        )
    layout.pid_file.write_text(f"{process.pid}\n")
    return process.pid


def node_identity(layout: NodeLayout) -> RunAs:
    if not running_as_root():
        return current_identity()
    identity = service_identity()
    grant_traverse(layout.root, identity)
    give_tree(layout.root, identity)
    return identity


def find_java_home() -> Path:
    java = shutil.which("java")
    if java is None:
        raise NodeStartError(
            f"no JDK found (`java` is not on PATH); Elasticsearch {ES_VERSION} needs Java 17 or newer "
            "(install openjdk-17-jre-headless, see scripts/system-packages.txt)"
        )
    return Path(java).resolve().parent.parent


def wait_until_ready(url: str, layout: NodeLayout, pid: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if probe(url).answer is Answer.ELASTICSEARCH:
            return
        if not processes.node_alive(pid):
            raise NodeStartError(f"Elasticsearch exited while starting; log: {log_with_tail(layout)}")
        time.sleep(0.5)
    raise NodeStartError(
        f"Elasticsearch did not become ready within {START_TIMEOUT_S:.0f} s (pid {pid} still running); "
        f"log: {log_with_tail(layout)}"
    )


def log_with_tail(layout: NodeLayout) -> str:
    """The server log's path, then the last telling lines this start wrote to either log.

    The console log holds what the launcher said (e.g. a bad JVM option); the server log
    the reason a started server gave up, unless it is left over from an earlier start.
    """
    started_at = modified_at(layout.pid_file)
    lines = telling_lines(read_text(layout.console_log))
    if modified_at(layout.server_log) >= started_at:
        lines += telling_lines(read_text(layout.server_log))
    tail = "".join(f"\n  | {line}" for line in lines[-LOG_TAIL_LINES:])
    return f"{layout.server_log}{tail}"


def telling_lines(log: str) -> list[str]:
    """A log's non-blank lines without Java stack frames, which bury the message that matters."""
    return [line for line in log.splitlines() if line.strip() and not line.lstrip().startswith(STACK_FRAME)]


def read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def modified_at(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def describe_running(url: str, layout: NodeLayout) -> RunningNode:
    pid = layout.read_pid()
    ours = pid is not None and processes.node_alive(pid)
    return RunningNode(url=url, facts=node_facts(url), pid=pid if ours else None, layout=layout)


def stop(settings: Settings) -> str:
    """Stop the node that `start` started for this URL; never touch anything else."""
    layout = layout_for(settings)
    url = first_node_url(settings)
    if not layout.root.parent.exists():
        return f"not running: no node was started by govreports for {url}"
    with file_lock(layout.lock_file):
        pid = layout.read_pid()
        if pid is None or not processes.node_alive(pid):
            layout.pid_file.unlink(missing_ok=True)
            someone_else = probe(url).answer is Answer.ELASTICSEARCH
            note = "; the Elasticsearch answering there was not started by govreports, left alone"
            return f"not running: no node started by govreports for {url}{note if someone_else else ''}"
        processes.stop_group(pid, STOP_GRACE_S)
        layout.pid_file.unlink(missing_ok=True)
        return f"stopped: Elasticsearch at {url} (pid {pid})"


def status(settings: Settings) -> str:
    url = first_node_url(settings)
    layout = layout_for(settings)
    look = probe(url)
    if look.answer is Answer.ELASTICSEARCH:
        return describe_running(url, layout).describe()
    pid = layout.read_pid()
    if look.answer is Answer.STARTING:
        return f"starting: Elasticsearch at {url} is not ready ({look.detail}); log: {layout.server_log}"
    if pid is not None and processes.node_alive(pid):
        return f"starting: Elasticsearch pid {pid} does not answer at {url} yet; log: {layout.console_log}"
    if look.answer is Answer.SOMETHING_ELSE:
        raise ElasticsearchUnavailable(f"{url} is not Elasticsearch: {look.detail}")
    raise ElasticsearchUnavailable(f"not running: nothing answers at {url} (start it: `govreports es start`)")


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
