"""Child processes that die with their parent, a process tree seen through /proc, errors sent home.

A child that parses hostile documents or crawls hostile portals may be stuck in C
code (a regular expression, MuPDF) where no Python signal handler runs. So its
life is tied to its parent's by the kernel: `PR_SET_PDEATHSIG` sends it SIGKILL
when the parent dies, however the parent died (SIGKILL included). And a parent
that gives up on a child kills the child's whole tree, since the child may have
started helpers in sessions of their own (LibreOffice does).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
from pathlib import Path

PROC = Path("/proc")
_PR_SET_PDEATHSIG = 1
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGKILL when the parent dies; exit now if `parent` is already gone.

    Call first thing in the child. On systems without prctl (not Linux) this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def descendants(pid: int) -> list[int]:
    """The processes started by `pid`, by its children, and so on (empty when it is gone)."""
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child in _children(parent):
            if child not in found:  # a pid reused mid-walk cannot make this loop forever
                found.append(child)
                frontier.append(child)
    return found


def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in (PROC / str(pid) / "task").iterdir():
            with contextlib.suppress(OSError):
                children.extend(int(child) for child in (task / "children").read_text().split())
    return children


def resident_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants (0 for a process that is gone)."""
    return sum(_resident(member) for member in [pid, *descendants(pid)])


def _resident(pid: int) -> int:
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists on this machine, whoever owns it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def kill_tree(pid: int) -> None:
    """SIGKILL `pid` and every descendant, including helpers that started sessions of their own."""
    if pid <= 0:  # os.kill would read 0 and -1 as "my group" and "everyone"
        raise ValueError(f"not a process id: {pid}")
    members = [pid, *descendants(pid)]  # read before the kill: orphans are re-parented out of sight
    ours = os.getpgrp()
    for member in members:
        with contextlib.suppress(OSError):
            if os.getpgid(member) == member != ours:  # a group leader: its whole group goes too
                os.killpg(member, signal.SIGKILL)
        _kill(member)


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def sendable(error: Exception) -> Exception:
    """`error` if it survives pickling (a parent process must rebuild it), else one with its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
