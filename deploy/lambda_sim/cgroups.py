"""The CPU and memory Lambda gives a function, as a control group: a CPU quota of
MemorySize / 1769 of one vCPU (Lambda's documented share: a full vCPU at 1,769 MB), a memory
limit of MemorySize MiB with no swap, and Lambda's 1,024 processes and threads. Both cgroup
hierarchies are supported: v1 (a directory per controller under /sys/fs/cgroup/cpu, memory,
pids) and v2 (one unified directory whose parent enables the controllers).

The group is made beside (v2) or under (v1) the sandbox's own group, so the machine's limits on
the sandbox still hold. Its peak usage is Lambda's Max Memory Used; its OOM-kill count says
whether the runtime died of running out of memory.
"""

import itertools
import os
import signal
import threading
import time
from pathlib import Path

FULL_VCPU_MB = 1769
PERIOD_US = 100_000
# The kernel's smallest CFS quota.
MIN_QUOTA_US = 1000
# Lambda's limit on processes and threads in an execution environment.
MAX_PIDS = 1024
MIB = 1024 * 1024
ROOT = Path("/sys/fs/cgroup")
_names = itertools.count()


def cpu_quota_us(memory_mb: int) -> int:
    """The CFS quota per PERIOD_US that gives `memory_mb`'s share of a vCPU."""
    return max(MIN_QUOTA_US, round(PERIOD_US * memory_mb / FULL_VCPU_MB))


class Unavailable(Exception):
    """Why no control group could be made: the function then runs without limits."""


class Cgroup:
    """A control group with the limits of one execution environment."""

    def __init__(self, version: int, directories: dict[str, Path]):
        self.version = version
        # Controller (v1) or "unified" (v2) -> the group's directory.
        self.directories = directories
        self._memory = directories.get("memory") or directories["unified"]
        self._peak = 0
        self._sampler: threading.Thread | None = None
        self._sampling = False
        self._oom_kills_at_start = self.oom_kills()

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid to, to join the group."""
        return [directory / "cgroup.procs" for directory in self.directories.values()]

    def peak_bytes(self) -> int:
        """The most memory the group has used (the kernel's own peak where it keeps one)."""
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            path = self._memory / name
            if path.exists():
                return int(path.read_text().split()[0])
        self._sample()
        return self._peak

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the group for going over its memory."""
        return self.oom_kills() > self._oom_kills_at_start

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        path = self._memory / name
        if not path.exists():
            return 0
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def start_sampling(self) -> None:
        """Without a kernel peak (v2 before Linux 5.19), polls the usage every few milliseconds."""
        if (self._memory / "memory.peak").exists() or (self._memory / "memory.max_usage_in_bytes").exists():
            return
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._sampler.start()

    def _sample_until_stopped(self) -> None:
        while self._sampling:
            self._sample()
            time.sleep(0.005)

    def _sample(self) -> None:
        current = self._memory / "memory.current"
        try:
            self._peak = max(self._peak, int(current.read_text()))
        except (OSError, ValueError):
            pass

    def kill(self) -> None:
        """SIGKILL to every process of the group."""
        kill_file = self._memory / "cgroup.kill"
        if self.version == 2 and kill_file.exists():
            kill_file.write_text("1")
            return
        for _ in range(100):
            pids = [int(pid) for pid in (self._memory / "cgroup.procs").read_text().split()]
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        """Removes the group once its processes are gone."""
        self._sampling = False
        for directory in self.directories.values():
            for _ in range(100):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


def create(memory_mb: int, root: Path = ROOT, own: Path = Path("/proc/self/cgroup")) -> Cgroup:
    """A new group limited to `memory_mb`'s CPU share and memory; Unavailable says why not."""
    if os.geteuid() != 0 and root == ROOT:
        raise Unavailable("not root")
    memberships = _memberships(own)
    name = f"lambda-sim-{os.getpid()}-{next(_names)}"
    if (root / "cgroup.controllers").exists():
        return _create_v2(root, memberships.get("", "/"), name, memory_mb)
    if (root / "cpu").is_dir() and (root / "memory").is_dir():
        return _create_v1(root, memberships, name, memory_mb)
    raise Unavailable(f"no cgroup v2 with controllers at {root}, and no v1 cpu and memory hierarchies")


def _memberships(own: Path) -> dict[str, str]:
    """Controller -> this process's group path (`""` for v2), from /proc/self/cgroup."""
    memberships = {}
    for line in own.read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            memberships[controller] = path
    return memberships


def _create_v1(root: Path, memberships: dict[str, str], name: str, memory_mb: int) -> Cgroup:
    controllers = ["cpu", "memory"] + (["pids"] if (root / "pids").is_dir() else [])
    directories = {}
    try:
        for controller in controllers:
            parent = root / controller / memberships.get(controller, "/").lstrip("/")
            directory = parent / name
            directory.mkdir()
            directories[controller] = directory
        cpu, memory = directories["cpu"], directories["memory"]
        _write(cpu / "cpu.cfs_period_us", PERIOD_US)
        _write(cpu / "cpu.cfs_quota_us", cpu_quota_us(memory_mb))
        _write(memory / "memory.limit_in_bytes", memory_mb * MIB)
        # Without swap: the memory-and-swap limit is the memory limit (where swap is accounted).
        if (memory.parent / "memory.memsw.limit_in_bytes").exists():
            _write(memory / "memory.memsw.limit_in_bytes", memory_mb * MIB)
        if (memory.parent / "memory.swappiness").exists():
            _write(memory / "memory.swappiness", 0)
        if "pids" in directories:
            _write(directories["pids"] / "pids.max", MAX_PIDS)
    except OSError as error:
        _remove_all(directories)
        raise Unavailable(f"cgroup v1: {error}") from error
    return Cgroup(1, directories)


def _create_v2(root: Path, own: str, name: str, memory_mb: int) -> Cgroup:
    # A group with processes may not enable controllers for its children (the v2 "no internal
    # processes" rule), so the new group is a sibling of this process's own, unless that is the
    # root.
    parent = root / Path(own).parent.relative_to("/") if own != "/" else root
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    missing = [controller for controller in ("cpu", "memory") if controller not in enabled]
    try:
        if missing:
            _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in missing))
        directory = parent / name
        directory.mkdir()
    except OSError as error:
        raise Unavailable(f"cgroup v2: cannot enable cpu and memory in {parent}: {error}") from error
    try:
        _write(directory / "cpu.max", f"{cpu_quota_us(memory_mb)} {PERIOD_US}")
        _write(directory / "memory.max", memory_mb * MIB)
        # Without swap (the file exists where the kernel has swap accounting).
        _write_if_present(directory / "memory.swap.max", 0)
        if "pids" in enabled:
            _write(directory / "pids.max", MAX_PIDS)
    except OSError as error:
        _remove_all({"unified": directory})
        raise Unavailable(f"cgroup v2: {error}") from error
    cgroup = Cgroup(2, {"unified": directory})
    cgroup.start_sampling()
    return cgroup


def _write(path: Path, value) -> None:
    path.write_text(f"{value}\n")


def _write_if_present(path: Path, value) -> None:
    if path.exists():
        _write(path, value)


def _remove_all(directories: dict[str, Path]) -> None:
    for directory in directories.values():
        try:
            directory.rmdir()
        except OSError:
            pass
