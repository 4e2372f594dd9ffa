"""The node's processes, seen through /proc: is it alive, and stopping it.

`bin/elasticsearch` runs a launcher JVM that starts the server JVM as its child.
Both share the process group the node was spawned in (a new session), so the
group id (= the launcher's pid, recorded in the pid file) names the whole node.
Zombies count as dead: PID 1 in these containers need not reap orphans.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")


def stat_fields(pid: int) -> tuple[str, int] | None:
    """(state, process group) of `pid`, or None when it is gone."""
    try:
        return parse_stat((PROC / str(pid) / "stat").read_text())
    except OSError:
        return None


def parse_stat(raw: str) -> tuple[str, int]:
    """(state, process group) from a /proc/<pid>/stat line."""
    # The command name sits in parentheses and may itself contain spaces or ")".
    after_name = raw[raw.rindex(")") + 2 :].split()
    return after_name[0], int(after_name[2])


def is_elasticsearch(pid: int) -> bool:
    """True for the launch script (before it execs Java), the launcher and the server JVM."""
    try:
        command_line = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False
    return b"elasticsearch" in command_line


def live_members(group: int) -> list[int]:
    """Pids of the group's Elasticsearch processes that are still running (not zombies)."""
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat_fields(int(entry.name))
        if fields and fields[1] == group and fields[0] != "Z" and is_elasticsearch(int(entry.name)):
            members.append(int(entry.name))
    return members


def node_alive(group: int) -> bool:
    return bool(live_members(group))


def stop_group(group: int, grace_s: float) -> None:
    """SIGTERM the node's group (a clean shutdown), then SIGKILL what is left after `grace_s`."""
    send(group, signal.SIGTERM)
    if wait_until_gone(group, grace_s):
        return
    send(group, signal.SIGKILL)
    wait_until_gone(group, 10.0)


def send(group: int, signal_number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal_number)


def wait_until_gone(group: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not node_alive(group):
            return True
        time.sleep(0.2)
    return not node_alive(group)
