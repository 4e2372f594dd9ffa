"""Who runs Elasticsearch: the caller, or a dedicated system user when the caller is root.

Elasticsearch refuses to run as root, and these machines run everything as root.
So root creates `govreports-es` once, gives it the node's folders, lets it reach
them through any owner-only parent folder (e.g. `/root`, via an ACL that grants
just that user "traverse"), and starts the node through `setpriv`, which replaces
itself with the node so the pid we record is the node's own.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from govreports.errors import GovreportsError

SERVICE_USER = "govreports-es"


class ServiceUserError(GovreportsError):
    """The unprivileged user that runs Elasticsearch could not be set up."""


@dataclass(frozen=True)
class RunAs:
    """The identity the node runs under, and the command prefix that switches to it."""

    uid: int
    gid: int
    prefix: tuple[str, ...]


def running_as_root() -> bool:
    return os.geteuid() == 0


def current_identity() -> RunAs:
    return RunAs(uid=os.geteuid(), gid=os.getegid(), prefix=())


def service_identity() -> RunAs:
    """Create the service user on first use and return how to run as it."""
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        create_service_user()
        entry = pwd.getpwnam(SERVICE_USER)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise ServiceUserError("setpriv (util-linux) is missing; it runs Elasticsearch as a non-root user")
    prefix = (setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--")
    return RunAs(uid=entry.pw_uid, gid=entry.pw_gid, prefix=prefix)


def create_service_user() -> None:
    useradd = shutil.which("useradd")
    if useradd is None:
        raise ServiceUserError(f"useradd is missing; cannot create the user {SERVICE_USER!r} for the node")
    command = [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin"]
    command.append(SERVICE_USER)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    # Exit 9 = the user exists already: another process created it between our check and here.
    if result.returncode not in (0, 9):
        raise ServiceUserError(f"could not create the user {SERVICE_USER!r}: {result.stderr.strip()}")


def give_tree(root: Path, identity: RunAs) -> None:
    """Make `identity` own every file under `root` (the node writes its data, logs and keystore there)."""
    for folder, subfolders, files in os.walk(root):
        os.chown(folder, identity.uid, identity.gid)
        for name in [*subfolders, *files]:
            os.chown(os.path.join(folder, name), identity.uid, identity.gid, follow_symlinks=False)


def grant_traverse(path: Path, identity: RunAs) -> None:
    """Let `identity` walk down to `path` through parents that shut out other users (e.g. /root, mode 700)."""
    for parent in reversed(path.resolve().parents):
        mode = parent.stat()
        if mode.st_mode & stat.S_IXOTH or mode.st_uid == identity.uid:
            continue
        setfacl = shutil.which("setfacl")
        if setfacl is None:
            raise ServiceUserError(
                f"{parent} is closed to the user {SERVICE_USER!r} that runs Elasticsearch, and setfacl "
                "(package 'acl') is missing to open it; install acl or set GOVREPORTS_ES_HOME outside it"
            )
        command = [setfacl, "--modify", f"u:{identity.uid}:x", str(parent)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ServiceUserError(f"could not let {SERVICE_USER!r} into {parent}: {result.stderr.strip()}")
