"""`process_alive`: the one check of whether a recorded process still runs (spools, watch runs)."""

from __future__ import annotations

import os
import subprocess
import sys

from govreports.lifetime import process_alive


def test_a_running_process_is_alive() -> None:
    assert process_alive(os.getpid())


def test_a_process_that_ended_and_was_reaped_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
