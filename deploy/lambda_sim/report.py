"""Lambda's platform lines in its text log format (START, END, REPORT, INIT_REPORT, the timeout
line), how Lambda bills a duration, and the table of a run's measurements.

An OS-only runtime's Init is billed: the first invocation of an execution environment is billed
its Init Duration plus its Duration, rounded up to the millisecond, as every invocation is.
"""

import math
import statistics
import time
from dataclasses import dataclass

MIB = 1024 * 1024


def billed_ms(duration_ms: float, init_ms: float | None = None) -> int:
    """Lambda's Billed Duration: rounded up to the next millisecond, Init included."""
    total = duration_ms + (init_ms or 0.0)
    return max(1, math.ceil(round(total, 6)))


def memory_mb(peak_bytes: int) -> int:
    """Max Memory Used, in whole MB (MiB) rounded up."""
    return math.ceil(peak_bytes / MIB)


@dataclass
class Report:
    """One REPORT line's numbers."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_mb: int
    init_ms: float | None = None
    status: str | None = None
    error_type: str | None = None

    @property
    def billed_ms(self) -> int:
        return billed_ms(self.duration_ms, self.init_ms)

    def line(self) -> str:
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {self.billed_ms} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_mb} MB",
        ]
        if self.init_ms is not None:
            fields.append(f"Init Duration: {self.init_ms:.2f} ms")
        fields += _status(self.status, self.error_type)
        return "\t".join(fields)


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: $LATEST"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def init_report_line(init_ms: float, status: str, error_type: str | None = None) -> str:
    fields = [f"INIT_REPORT Init Duration: {init_ms:.2f} ms", "Phase: init", *_status(status, error_type)]
    return "\t".join(fields)


def timeout_line(request_id: str, timeout_s: float) -> str:
    return f"{timestamp()} {request_id} Task timed out after {timeout_s:.2f} seconds"


def timestamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def _status(status: str | None, error_type: str | None) -> list[str]:
    fields = [f"Status: {status}"] if status else []
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return fields


@dataclass
class Measurement:
    """One function at one memory size: what the benchmark table shows."""

    function: str
    memory_mb: int
    zipped_bytes: int | None
    init_ms: float | None = None
    init_failure: str | None = None
    warm_ms: list[float] | None = None
    warm_billed_ms: list[int] | None = None
    max_memory_mb: int = 0

    def row(self) -> list[str]:
        init = self.init_failure or ("-" if self.init_ms is None else f"{self.init_ms:.1f} ms")
        warm = self.warm_ms or []
        billed = self.warm_billed_ms or []
        size = "-" if self.zipped_bytes is None else f"{self.zipped_bytes / 1024:,.0f} KiB"
        return [
            self.function,
            f"{self.memory_mb} MB",
            init,
            f"{statistics.median(warm):.2f} ms" if warm else "-",
            f"{statistics.median(billed):.0f} ms" if billed else "-",
            f"{self.max_memory_mb} MB" if self.max_memory_mb else "-",
            size,
        ]


HEADER = ["function", "memory", "Init Duration", "warm Duration (median)", "warm Billed (median)",
          "Max Memory Used", "code zipped"]


def table(measurements: list[Measurement]) -> str:
    """A Markdown table of the measurements, in the order they were taken."""
    rows = [HEADER, ["---"] * len(HEADER)] + [m.row() for m in measurements]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
