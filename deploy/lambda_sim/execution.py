"""One Lambda execution environment: the runtime started in its sandbox with its Runtime API, the
Init phase (over when the runtime first asks for an invocation, and cut at Lambda's 10 s), then
one invocation at a time (over when the runtime asks for the next, and cut at the function's
Timeout), with the runtime's output copied out between Lambda's START, END and REPORT lines.

An environment that timed out or whose runtime died is finished: the caller starts a new one,
with a new Init, as Lambda does.
"""

import fcntl
import json
import os
import queue
import secrets
import signal
import sys
import termios
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import cgroups, lambda_env, report, sandbox
from .artifacts import Artifacts
from .runtime_api import Answer, InitError, Invocation, Ready, RuntimeApi
from .template import Function

# Lambda's limit on the Init phase of an on-demand function.
INIT_LIMIT_S = 10.0
READ_CHUNK = 64 * 1024
# How long the output may take to arrive after the runtime has moved on.
DRAIN_LIMIT_S = 1.0


@dataclass
class Exited:
    """The runtime's process ended."""

    returncode: int
    at: float


@dataclass
class Settings:
    """What every execution environment of a run shares."""

    region: str
    account_id: str
    confined: bool
    init_limit_s: float = INIT_LIMIT_S


@dataclass
class InitOutcome:
    """How Init went: `failure` None when the runtime is ready; `summary`, a few words of it."""

    init_ms: float
    failure: str | None = None
    summary: str | None = None


@dataclass
class InvokeOutcome:
    """One invocation: the runtime's answer, its REPORT, and what went wrong if anything."""

    report: report.Report
    answer: Answer | None
    failure: str | None = None
    # The environment cannot take another invocation (a timeout, a dead runtime).
    finished: bool = False


class Output:
    """The run's output, one whole line at a time, from any thread."""

    def __init__(self, stream=sys.stdout):
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()


class LogPump:
    """Copies the runtime's stdout and stderr to the output as whole lines, as CloudWatch gets them."""

    def __init__(self, pipe, output: Output):
        self._fd = pipe.fileno()
        self._pipe = pipe
        self._output = output
        self._lock = threading.Lock()
        self._partial = b""
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while True:
            data = os.read(self._fd, READ_CHUNK)
            with self._lock:
                if not data:
                    self._flush_partial()
                    return
                *lines, self._partial = (self._partial + data).split(b"\n")
                for line in lines:
                    self._output.line(line.decode("utf-8", "replace"))

    def drain(self) -> None:
        """Waits until what the runtime has written so far is out (its last line too)."""
        limit = time.monotonic() + DRAIN_LIMIT_S
        while time.monotonic() < limit and self._thread.is_alive():
            try:
                pending = int.from_bytes(fcntl.ioctl(self._fd, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)
            except OSError:
                break
            if pending == 0:
                break
            time.sleep(0.002)
        with self._lock:
            self._flush_partial()

    def _flush_partial(self) -> None:
        if self._partial:
            self._output.line(self._partial.decode("utf-8", "replace"))
            self._partial = b""

    def close(self) -> None:
        self._thread.join(timeout=DRAIN_LIMIT_S)
        self._pipe.close()


class ExecutionEnvironment:
    """A runtime process of `function` at `memory_mb`, from its Init to its end."""

    def __init__(
        self,
        function: Function,
        artifacts: Artifacts,
        memory_mb: int,
        prefix: list[str],
        settings: Settings,
        output: Output,
        extra_env: dict[str, str] | None = None,
        cgroup: cgroups.Cgroup | None = None,
    ):
        self.function = function
        self.memory_mb = memory_mb
        self.settings = settings
        self.output = output
        self.cgroup = cgroup
        self.api = RuntimeApi()
        self._invoked = False
        self._init_ms: float | None = None
        self._resident_peak = 0
        task_root = lambda_env.TASK_ROOT if settings.confined else str(artifacts.code.resolve())
        env = lambda_env.environment(function, memory_mb, settings.region, self.api.address, task_root, extra_env)
        for path in [artifacts.code, *artifacts.layers]:
            _drop_page_cache(path)
        try:
            started = sandbox.start(artifacts, env, prefix, cgroup, settings.confined)
        except sandbox.SandboxError:
            self.api.close()
            raise
        self.process, self.started = started.process, started.at
        self.log = LogPump(self.process.stdout, output)
        threading.Thread(target=self._watch, daemon=True).start()

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.settings.region}:{self.settings.account_id}:function:{self.function.name}"

    def _watch(self) -> None:
        returncode = self.process.wait()
        self.api.events.put(Exited(returncode, time.monotonic()))

    def init(self) -> InitOutcome:
        """Waits for the runtime's first `/next`, at most the Init limit."""
        limit = self.settings.init_limit_s
        while True:
            event = self._next_event(self.started + limit)
            elapsed_ms = (time.monotonic() - self.started) * 1000
            if event is None:
                self.stop()
                self.log.drain()
                self.output.line(report.init_report_line(elapsed_ms, "timeout"))
                whose = " (Lambda's limit)" if limit == INIT_LIMIT_S else ""
                failure = f"Init took over {limit:g} s{whose}: killed at {elapsed_ms:.0f} ms"
                return InitOutcome(elapsed_ms, failure, f"over {limit:g} s: killed")
            if isinstance(event, Ready):
                self._init_ms = (event.at - self.started) * 1000
                return InitOutcome(self._init_ms)
            if isinstance(event, InitError):
                self.stop()
                self.log.drain()
                self.output.line(report.init_report_line(elapsed_ms, "error", event.error_type))
                body = event.body.decode("utf-8", "replace")[:500]
                return InitOutcome(elapsed_ms, f"Init failed: {event.error_type}: {body}", event.error_type)
            if isinstance(event, Exited):
                self.log.drain()
                error_type, message = self._exit_error(event.returncode)
                self.output.line(f"{report.timestamp()} {message}")
                self.output.line(report.init_report_line(elapsed_ms, "error", error_type))
                return InitOutcome(elapsed_ms, f"Init failed: {error_type}: {message}", error_type)

    def invoke(self, payload: bytes, trace_id: str) -> InvokeOutcome:
        """Hands the runtime one event and waits for its answer and its next `/next`."""
        request_id = str(uuid.uuid4())
        timeout_s = self.function.timeout_s
        self.output.line(report.start_line(request_id))
        deadline_ms = int(time.time() * 1000 + timeout_s * 1000)
        invocation = Invocation(request_id, payload, deadline_ms, self.arn, trace_id)
        handed_over = time.monotonic()
        self.api.deliver(invocation)
        answer = None
        while True:
            # The clock starts when the runtime is sent the event.
            delivered = invocation.sent_at or handed_over
            event = self._next_event(delivered + timeout_s)
            if event is None:
                self.stop()
                self.log.drain()
                self.output.line(report.timeout_line(request_id, timeout_s))
                outcome = self._finish(request_id, timeout_s * 1000, answer, "timeout")
                outcome.failure = f"timed out after {timeout_s} s (the function's Timeout): killed"
                outcome.finished = True
                return outcome
            if isinstance(event, Answer) and event.request_id == request_id:
                answer = event
            elif isinstance(event, Ready):
                return self._finish(request_id, (event.at - delivered) * 1000, answer)
            elif isinstance(event, Exited):
                self.log.drain()
                error_type, message = self._exit_error(event.returncode)
                self.output.line(f"{report.timestamp()} {request_id} Error: {message}")
                outcome = self._finish(request_id, (event.at - delivered) * 1000, answer, "error", error_type)
                outcome.failure = f"{error_type}: {message}"
                outcome.finished = True
                return outcome

    def _finish(
        self, request_id: str, duration_ms: float, answer: Answer | None, status=None, error_type=None
    ) -> InvokeOutcome:
        self.log.drain()
        self.output.line(report.end_line(request_id))
        line = report.Report(
            request_id=request_id,
            duration_ms=duration_ms,
            memory_size_mb=self.memory_mb,
            max_memory_mb=report.memory_mb(self.peak_bytes()),
            init_ms=None if self._invoked else self._init_ms,
            status=status,
            error_type=error_type,
        )
        self._invoked = True
        self.output.line(line.line())
        return InvokeOutcome(line, answer)

    def peak_bytes(self) -> int:
        """The environment's memory peak: its cgroup's, else the runtime's peak resident set (as
        last seen, once the runtime is gone)."""
        if self.cgroup is not None:
            return self.cgroup.peak_bytes()
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return self._resident_peak
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self._resident_peak = max(self._resident_peak, int(line.split()[1]) * 1024)
        return self._resident_peak

    def _exit_error(self, returncode: int) -> tuple[str, str]:
        """Lambda's error type and message for a runtime that exited."""
        how = f"signal: {_signal_name(-returncode)}" if returncode < 0 else f"exit status {returncode}"
        if self.cgroup is not None and self.cgroup.oom_killed():
            return "Runtime.OutOfMemory", f"Runtime exited with error: {how} (out of memory: the cgroup's OOM killer)"
        return "Runtime.ExitError", f"Runtime exited with error: {how}"

    def _next_event(self, until: float):
        """The next event before `until` (monotonic), or None at `until`."""
        remaining = until - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return self.api.events.get(timeout=remaining)
        except queue.Empty:
            return None

    def stop(self) -> None:
        """Kills the runtime and everything it started."""
        if self.process.poll() is not None:
            return
        if self.cgroup is not None:
            self.cgroup.kill()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def close(self) -> None:
        """Ends the environment: the runtime, its Runtime API, its control group."""
        self.stop()
        self.log.drain()
        self.api.close()
        self.log.close()
        if self.cgroup is not None:
            self.cgroup.remove()


def trace_id() -> str:
    """An X-Ray trace header as Lambda sends it: `Root=1-<epoch hex>-<24 hex>;Parent=..;Sampled=0`."""
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def event_payload(event: dict) -> bytes:
    return json.dumps(event).encode()


def _signal_name(number: int) -> str:
    try:
        return {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted"}.get(
            signal.Signals(number), signal.Signals(number).name
        )
    except ValueError:
        return str(number)


def _drop_page_cache(directory: Path) -> None:
    """Evicts the artifacts' pages, so the runtime reads them from disk, as a new environment does,
    and its control group is charged for them the same way every time (a page stays charged to
    the group that first read it; pages just written are written out first, or they would stay)."""
    for path in directory.rglob("*"):
        if path.is_file():
            try:
                with open(path, "rb") as file:
                    os.fdatasync(file.fileno())
                    os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
