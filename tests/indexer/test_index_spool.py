"""The spool of a large index run: a killed run's spool is deleted by the next run on its machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from indexer.run import Spool


def ended_pid() -> int:
    """The pid of a process that has already ended."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)  # fmt: skip
    return int(process.stdout)


def test_a_killed_runs_spool_is_deleted_by_the_next_run_on_its_machine(tmp_path: Path) -> None:
    host = socket.gethostname()
    abandoned = tmp_path / f"spool-{host}-{ended_pid()}-1.jsonl"
    running = tmp_path / f"spool-{host}-{os.getpid()}-2.jsonl"
    other_machine = tmp_path / f"spool-elsewhere-{ended_pid()}-3.jsonl"
    for path in (abandoned, running, other_machine):
        path.write_bytes(b"{}\n")

    spool = Spool(tmp_path)

    assert not abandoned.exists()
    assert running.exists()  # a live process's
    assert other_machine.exists()  # only its own machine can tell whether its process lives
    assert spool.path.exists()
    spool.close()
    assert not spool.path.exists()
