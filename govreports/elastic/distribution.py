"""The Elasticsearch distribution: fetched from Maven Central with `mvn`, unpacked once.

No vendor download site is reachable here, but Maven Central publishes a plain
single-node build of every release (`integ-test-zip`). It carries no JDK, so it runs
on the machine's Java 17; that is why the pin below stays on the newest 8.x release
(9.x needs Java 21).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from govreports.errors import GovreportsError

# The one place the Elasticsearch version is pinned (docker-compose.yml is checked against it by a test).
ES_VERSION = "8.19.21"
MAVEN_ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{ES_VERSION}:zip"
# Pinned so `mvn` resolves the same goal everywhere instead of whatever its default plugin is.
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MAVEN_TIMEOUT_S = 900
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class DistributionError(GovreportsError):
    """The Elasticsearch distribution could not be fetched or unpacked."""


def distribution_dir(es_home: Path) -> Path:
    return es_home / f"elasticsearch-{ES_VERSION}"


def ensure_distribution(es_home: Path) -> Path:
    """Return the unpacked distribution folder, fetching and unpacking it the first time.

    The caller holds the distribution lock, so two processes never unpack at once.
    """
    target = distribution_dir(es_home)
    if (target / "bin" / "elasticsearch").is_file():
        return target
    downloads = es_home / "downloads"
    archive = fetch_with_maven(downloads)
    unpack(archive, es_home, target)
    archive.unlink()  # the local Maven repository keeps a copy; no need for a third
    return target


def fetch_with_maven(downloads: Path) -> Path:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DistributionError(
            "Maven (mvn) is not installed; it fetches Elasticsearch from Maven Central "
            "(install the 'maven' package, see scripts/system-packages.txt)"
        )
    downloads.mkdir(parents=True, exist_ok=True)
    command = [
        mvn, "--batch-mode", "--quiet", "-Dstyle.color=never",
        # Re-check the remote even if an earlier attempt (say, while offline) was cached as a failure.
        "--update-snapshots",
        f"{DEPENDENCY_PLUGIN}:copy",
        f"-Dartifact={MAVEN_ARTIFACT}",
        f"-DoutputDirectory={downloads}",
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, cwd=downloads, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise DistributionError(f"Maven did not fetch {MAVEN_ARTIFACT} within {MAVEN_TIMEOUT_S} s") from error
    archive = downloads / f"elasticsearch-{ES_VERSION}.zip"
    if result.returncode != 0 or not archive.is_file():
        raise DistributionError(
            f"Maven could not fetch {MAVEN_ARTIFACT} (is Maven Central reachable?): "
            f"{maven_failure_reason(result.stdout + result.stderr)}"
        )
    return archive


def maven_failure_reason(output: str) -> str:
    """Maven's reason for failing: its first `[ERROR]` line that says something, else its last line."""
    lines = [line.strip() for line in ANSI_ESCAPE.sub("", output).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("[ERROR]") and len(line) > len("[ERROR]") + 1]
    chosen = errors[0] if errors else (lines[-1] if lines else "no output")
    return chosen.removeprefix("[ERROR]").removesuffix("-> [Help 1]").strip()


def unpack(archive: Path, es_home: Path, target: Path) -> None:
    """Unpack into a scratch folder, then rename: a half-unpacked tree is never taken for a whole one."""
    scratch = es_home / f".unpacking-{ES_VERSION}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                extracted = Path(bundle.extract(member, scratch))
                # zipfile drops Unix permissions; the launch scripts must stay executable.
                mode = (member.external_attr >> 16) & 0o777
                if mode:
                    extracted.chmod(mode)
    except (zipfile.BadZipFile, OSError) as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise DistributionError(f"could not unpack {archive}: {error}") from error
    (scratch / target.name).rename(target)
    shutil.rmtree(scratch, ignore_errors=True)
