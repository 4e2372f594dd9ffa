"""What every bench needs: a line describing the machine and the date, and its own section of
docs/benchmarks.md (between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`), leaving the others."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "docs" / "benchmarks.md"


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        if found:
            return found.group(1).strip()
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    """The machine's physical memory (MemTotal), in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def machine() -> str:
    """e.g. `Intel(R) Xeon(R) Processor @ 2.50GHz, 2 cores, 24 GiB, Python 3.11.7`."""
    memory = f"{memory_gib():.0f} GiB"
    return f"{cpu_model()}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}"


def stamp() -> str:
    """The date and machine line; the load average says how much of a shared machine the run had."""
    load = os.getloadavg()[0]
    return f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; load average {load:.1f} at the end."


def write_section(name: str, body: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) this bench's section, keeping every other section as it is."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
