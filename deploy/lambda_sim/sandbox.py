"""Starts a function's runtime as Lambda starts it. As root, in a private mount namespace: the
code read-only at /var/task (the rest of /var an empty read-only tmpfs), the layer read-only at
/opt (several layers merged by overlayfs, the last on top; none: an empty /opt), a 512 MB tmpfs
at /tmp, the working directory /var/task, Lambda's 1,024 file descriptors, and the runtime run as
Lambda's unprivileged sandbox user, in its control group (cgroups.py). Without root, it runs
unconfined from the artifact directories as they are.

A runtime for another architecture runs under qemu-user: `qemu-aarch64 -L /usr/aarch64-linux-gnu`
(Debian's qemu-user and libc6-arm64-cross).
"""

import os
import platform
import select
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .artifacts import Artifacts
from .cgroups import Cgroup

# Lambda runs functions as sbx_user1051 (uid 993, gid 990).
SANDBOX_UID = 993
SANDBOX_GID = 990
# Lambda's /tmp: 512 MB of ephemeral storage unless the function asks for more.
TMP_SIZE = "512m"
# Lambda's limit on open file descriptors.
MAX_FILES = 1024
# How long laying out the sandbox may take.
LAYOUT_LIMIT_S = 30
# The machine's architecture as Lambda names it -> qemu-user's name and the sysroot of its libc.
EMULATORS = {
    "arm64": ("qemu-aarch64", "/usr/aarch64-linux-gnu"),
    "x86_64": ("qemu-x86_64", "/usr/x86_64-linux-gnu"),
}
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

# Runs as root inside the new mount namespace: mounts the function's file system, joins the
# control group, says so on a pipe (Init starts there: the layout is not the runtime's work), then
# becomes the sandbox user and execs the runtime. Its arguments: the pipe's fd, the code directory, how /opt is
# made (empty, bind DIR, or overlay LOWERDIRS), the uid, the gid, the number of cgroup.procs files
# and the files; then the runtime's command line.
LAYOUT_SCRIPT = r"""
set -eu
signal_fd=$1 code=$2 opt=$3 opt_source=$4 uid=$5 gid=$6 n=$7; shift 7
mount -t tmpfs -o mode=0755,size=1m lambda-var /var
mkdir /var/task /var/runtime /var/lang
mount --bind "$code" /var/task
mount -o remount,bind,ro /var/task
mount -o remount,ro /var
case $opt in
  empty) mount -t tmpfs -o ro,mode=0755,size=1m lambda-opt /opt ;;
  bind) mount --bind "$opt_source" /opt; mount -o remount,bind,ro /opt ;;
  overlay) mount -t overlay -o "lowerdir=$opt_source" lambda-layers /opt ;;
esac
mount -t tmpfs -o mode=1777,size=__TMP_SIZE__ lambda-tmp /tmp
cd /var/task
ulimit -n __MAX_FILES__
while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done
eval "printf started >&$signal_fd; exec $signal_fd>&-"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- "$@"
""".replace("__TMP_SIZE__", TMP_SIZE).replace("__MAX_FILES__", str(MAX_FILES))


class SandboxError(Exception):
    """A runtime the sandbox cannot start."""


def can_confine() -> str | None:
    """None when the sandbox can be made; else why the runtime runs unconfined."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("unshare", "mount", "setpriv"):
        if shutil.which(tool) is None:
            return f"no `{tool}` (util-linux)"
    if not Path("/opt").is_dir():
        return "no /opt directory to mount the layers on"
    return None


def emulator(architecture: str) -> list[str]:
    """The command prefix that runs a runtime of `architecture` here: nothing when native."""
    machine = MACHINES.get(platform.machine().lower(), platform.machine())
    if architecture == machine:
        return []
    if architecture not in EMULATORS:
        raise SandboxError(f"unknown architecture {architecture}")
    qemu, sysroot = EMULATORS[architecture]
    path = shutil.which(qemu)
    if path is None or not Path(sysroot).is_dir():
        raise SandboxError(
            f"{architecture} on a {machine} machine needs {qemu} and a {architecture} libc in {sysroot}: "
            "`make qemu-user` installs them (Debian's qemu-user and libc6-arm64-cross)"
        )
    return [path, "-L", sysroot]


@dataclass
class Started:
    """The runtime's process, and when it started (monotonic): Init's first moment."""

    process: subprocess.Popen
    at: float


def start(
    artifacts: Artifacts, env: dict[str, str], prefix: list[str], cgroup: Cgroup | None, confined: bool
) -> Started:
    """The runtime's process, its stdout and stderr together on one pipe."""
    options = {
        "env": env,
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT,
        # Its own process group, so that everything it starts can be stopped with it.
        "start_new_session": True,
    }
    if not confined:
        at = time.monotonic()
        return Started(subprocess.Popen([*prefix, str(artifacts.bootstrap)], cwd=artifacts.code, **options), at)
    bootstrap = "/var/task/bootstrap" if artifacts.bootstrap_in == "task" else "/opt/bootstrap"
    if not artifacts.layers:
        opt, opt_source = "empty", "-"
    elif len(artifacts.layers) == 1:
        opt, opt_source = "bind", str(artifacts.layers[0].resolve())
    else:
        opt, opt_source = "overlay", ":".join(str(layer.resolve()) for layer in reversed(artifacts.layers))
    procs = [str(path) for path in cgroup.procs_files] if cgroup else []
    command = [
        shutil.which("unshare") or "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        LAYOUT_SCRIPT,
        "lambda-sim",
        str(artifacts.code.resolve()),
        opt,
        opt_source,
        str(SANDBOX_UID),
        str(SANDBOX_GID),
        str(len(procs)),
        *procs,
        *prefix,
        bootstrap,
    ]
    ready, started = os.pipe()
    command.insert(command.index("lambda-sim") + 1, str(started))
    try:
        process = subprocess.Popen(command, pass_fds=(started,), **options)
    finally:
        os.close(started)
    with os.fdopen(ready, "rb") as signal:
        if select.select([signal], [], [], LAYOUT_LIMIT_S)[0] and signal.read(7) == b"started":
            return Started(process, time.monotonic())
    process.kill()
    output = process.communicate()[0].decode("utf-8", "replace")
    raise SandboxError(f"the sandbox could not be laid out: {output.strip()[-1000:]}")
