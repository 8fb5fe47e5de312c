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
# Lambda's most layers per function.
MAX_LAYERS = 5
# What the layout prints once done, just before the runtime starts.
STARTED = "lambda-sim:layout-done"
# The machine's architecture as Lambda names it -> qemu-user's name and the sysroot of its libc.
EMULATORS = {
    "arm64": ("qemu-aarch64", "/usr/aarch64-linux-gnu"),
    "x86_64": ("qemu-x86_64", "/usr/x86_64-linux-gnu"),
}
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}

# Runs as root inside the new mount namespace. It opens the code and layer directories first (a
# source under /var, /opt or /tmp would be hidden by what is mounted there) and mounts them through
# /proc/self/fd; joins the control group; says so on stdout (Init starts there: the layout is not
# the runtime's work); then becomes the sandbox user and execs the runtime. Its arguments: the
# code directory, the layer directories and the cgroup.procs files (each list one per line), the
# uid, the gid; then the runtime's command line. Lambda's five layers at most use fds 3 to 7.
LAYOUT_SCRIPT = r"""
set -eu
code=$1 layers=$2 procs=$3 uid=$4 gid=$5; shift 5
newline='
'
exec 9<"$code"
fd=3 lower= opened=
IFS=$newline
for layer in $layers; do
  eval "exec $fd<\"\$layer\""
  lower="/proc/self/fd/$fd${lower:+:$lower}"
  opened="$opened $fd"
  fd=$((fd + 1))
done
unset IFS
mount -t tmpfs -o mode=0755,size=1m lambda-var /var
mkdir /var/task /var/runtime /var/lang
mount -c --bind /proc/self/fd/9 /var/task
mount -c -o remount,bind,ro /var/task
mount -c -o remount,ro /var
case $opened in
  "") mount -t tmpfs -o ro,mode=0755,size=1m lambda-opt /opt ;;
  " 3") mount -c --bind "$lower" /opt; mount -c -o remount,bind,ro /opt ;;
  *) mount -c -t overlay -o "lowerdir=$lower" lambda-layers /opt ;;
esac
mount -t tmpfs -o mode=1777,size=__TMP_SIZE__ lambda-tmp /tmp
exec 9<&-
for fd in $opened; do eval "exec $fd<&-"; done
cd /var/task
ulimit -n __MAX_FILES__
IFS=$newline
for file in $procs; do echo $$ > "$file"; done
unset IFS
echo __STARTED__
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- "$@"
""".replace("__TMP_SIZE__", TMP_SIZE).replace("__MAX_FILES__", str(MAX_FILES)).replace("__STARTED__", STARTED)


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
    if len(artifacts.layers) > MAX_LAYERS:
        raise SandboxError(f"{len(artifacts.layers)} layers: Lambda allows {MAX_LAYERS}")
    bootstrap = "/var/task/bootstrap" if artifacts.bootstrap_in == "task" else "/opt/bootstrap"
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
        "\n".join(str(layer.resolve()) for layer in artifacts.layers),
        "\n".join(procs),
        str(SANDBOX_UID),
        str(SANDBOX_GID),
        *prefix,
        bootstrap,
    ]
    process = subprocess.Popen(command, **options)
    said = _first_line(process.stdout.fileno(), time.monotonic() + LAYOUT_LIMIT_S)
    if said == STARTED:
        return Started(process, time.monotonic())
    process.kill()
    output = said + process.communicate()[0].decode("utf-8", "replace")
    raise SandboxError(f"the sandbox could not be laid out: {output.strip()[-1000:]}")


def _first_line(fd: int, until: float) -> str:
    """The first line the layout prints, read a byte at a time: what follows is the runtime's."""
    line = b""
    while not line.endswith(b"\n"):
        remaining = until - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line.decode("utf-8", "replace").removesuffix("\n")
