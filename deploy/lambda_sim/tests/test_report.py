"""Lambda's lines and billing."""

from lambda_sim.report import Measurement, Report, billed_ms, init_report_line, memory_mb, table


def test_billing_rounds_up_to_the_millisecond_and_counts_an_os_only_runtimes_init():
    assert billed_ms(0.2) == 1
    assert billed_ms(12.0) == 12
    assert billed_ms(12.01) == 13
    # The measured example of an OS-only runtime: Init 1293.83 ms + Duration 1049.63 ms.
    assert billed_ms(1049.63, 1293.83) == 2344
    assert memory_mb(35 * 1024 * 1024) == 35
    assert memory_mb(35 * 1024 * 1024 + 1) == 36


def test_report_lines_are_lambdas():
    cold = Report("8476a536", 2.26, 128, 35, init_ms=160.24)
    assert cold.line() == (
        "REPORT RequestId: 8476a536\tDuration: 2.26 ms\tBilled Duration: 163 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 35 MB\tInit Duration: 160.24 ms"
    )
    timeout = Report("8476a536", 3000.0, 128, 40, status="timeout")
    assert timeout.line().endswith("Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout")
    oom = Report("8476a536", 5.0, 128, 128, status="error", error_type="Runtime.OutOfMemory")
    assert oom.line().endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
    assert init_report_line(10000.2, "timeout") == "INIT_REPORT Init Duration: 10000.20 ms\tPhase: init\tStatus: timeout"


def test_the_table_has_a_row_per_function_and_memory_size():
    rows = table(
        [
            Measurement("A", 128, 75_000, init_ms=12.34, warm_ms=[1.0, 3.0, 2.0], warm_billed_ms=[1, 3, 2],
                        max_memory_mb=35),
            Measurement("B", 1769, 2_000_000, init_failure="over 10 s: killed", max_memory_mb=105),
        ]
    ).splitlines()
    assert rows[2] == "| A | 128 MB | 12.3 ms | 2.00 ms | 2 ms | 35 MB | 73 KiB |"
    assert rows[3] == "| B | 1769 MB | over 10 s: killed | - | - | 105 MB | 1,953 KiB |"
