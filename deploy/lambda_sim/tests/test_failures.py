"""lambda-sim fails a function, with a line saying which and why, for each way Lambda would fail
it: an Init over Lambda's 10 s, a timeout (after which a new execution environment starts, with
a new Init), a runtime that runs out of memory (the cgroup's OOM kill), a runtime that dies, a
wrong answer, an Init error, a reserved variable, a runtime built for the other architecture."""

import re
import shutil

from conftest import needs_root, run_sim

HANG = {"event": "Probe", "method": "GET", "path": "/hang", "status": 200}
OK = {"event": "Probe", "method": "GET", "path": "/ok", "status": 200, "contains": "ok"}


def fail_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("lambda-sim: FAIL ")]


@needs_root
def test_an_init_over_lambdas_10_s_is_killed_and_named(artifacts, tmp_path):
    # Cranelift compiles the users component in over 10 s at 128 MB's CPU share.
    code, output = run_sim(artifacts, {}, "--function", "SlowInitFunction", tmp_path=tmp_path)
    assert code == 1, output
    assert re.search(r"^INIT_REPORT Init Duration: 100\d\d\.\d\d ms\tPhase: init\tStatus: timeout$", output, re.M)
    [failure] = fail_lines(output)
    assert re.fullmatch(
        r"lambda-sim: FAIL SlowInitFunction at 128 MB: Init took over 10 s \(Lambda's limit\): killed at 100\d\d ms",
        failure,
    ), output


@needs_root
def test_a_timeout_is_killed_and_the_next_invocation_gets_a_new_environment(artifacts, tmp_path):
    code, output = run_sim(artifacts, {"ProbeFunction": [OK, HANG, OK]}, "--function", "ProbeFunction",
                           tmp_path=tmp_path)
    assert code == 1, output
    assert re.search(r"Z [0-9a-f-]{36} Task timed out after 2\.00 seconds$", output, re.M), output
    reports = [line for line in output.splitlines() if line.startswith("REPORT ")]
    assert len(reports) == 3, output
    assert "Init Duration" in reports[0]
    assert re.search(r"\tDuration: 2000\.00 ms\tBilled Duration: 2000 ms\t.*\tStatus: timeout$", reports[1])
    assert "Init Duration" not in reports[1]
    # The invocation after the timeout ran in a new execution environment, with its own Init.
    assert "Init Duration" in reports[2] and "Status" not in reports[2]
    assert fail_lines(output) == [
        "lambda-sim: FAIL ProbeFunction at 1769 MB: GET /hang: timed out after 2 s (the function's Timeout): killed"
    ]


@needs_root
def test_a_runtime_over_its_memory_is_an_out_of_memory_error_in_an_invocation_or_at_init(artifacts, tmp_path):
    bomb = {"event": "Bomb", "method": "GET", "path": "/bomb", "status": 200}
    cases = [
        # The guest's memory bomb, in an invocation; then the probe runtime filling 256 MB at Init.
        ("OomFunction", {"OomFunction": [bomb]}, r"^REPORT .*\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t.*",
         "GET /bomb: "),
        ("InitOomFunction", {}, r"^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\t", "Init failed: "),
    ]
    for function, scenarios, line, why in cases:
        code, output = run_sim(artifacts, scenarios, "--function", function, tmp_path=tmp_path)
        assert code == 1, output
        assert re.search(line + r"Status: error\tError Type: Runtime.OutOfMemory$", output, re.M), output
        [failure] = fail_lines(output)
        assert failure.startswith(f"lambda-sim: FAIL {function} at 128 MB: {why}Runtime.OutOfMemory: "
                                  "Runtime exited with error: signal: killed"), failure


@needs_root
def test_a_runtime_that_dies_or_fails_an_invocation_is_named(artifacts, tmp_path):
    died = {"event": "Probe", "method": "GET", "path": "/exit", "status": 200}
    failed = {"event": "Probe", "method": "GET", "path": "/error", "status": 200}
    code, output = run_sim(artifacts, {"ProbeFunction": [died, failed, OK]}, "--function", "ProbeFunction",
                           tmp_path=tmp_path)
    assert code == 1, output
    assert re.search(r"^REPORT .*\tStatus: error\tError Type: Runtime.ExitError$", output, re.M), output
    assert fail_lines(output) == [
        "lambda-sim: FAIL ProbeFunction at 1769 MB: GET /exit: Runtime.ExitError: Runtime exited with error: "
        "exit status 7",
        "lambda-sim: FAIL ProbeFunction at 1769 MB: GET /error: wrong answer: status 502, expected 200: "
        '{"message":"Internal server error"}',
    ]


@needs_root
def test_a_wrong_answer_fails_with_what_came_back(artifacts, tmp_path):
    wrong = {
        "event": "Hello",
        "method": "GET",
        "path": "/helloworld",
        "query": {"name": "Ada"},
        "status": 200,
        "contains": "Good day, Grace",
    }
    code, output = run_sim(artifacts, {"HelloFunction": [wrong]}, "--function", "HelloFunction", tmp_path=tmp_path)
    assert code == 1, output
    assert fail_lines(output) == [
        "lambda-sim: FAIL HelloFunction at 1769 MB: GET /helloworld: wrong answer: the body does not hold "
        """'Good day, Grace': {"greeting":"Good day, Ada of World."}"""
    ]
    right = dict(wrong, contains="Good day, Ada of World.")
    code, output = run_sim(artifacts, {"HelloFunction": [right]}, "--function", "HelloFunction", tmp_path=tmp_path)
    assert code == 0, output
    assert output.splitlines()[-1] == "lambda-sim: 1 runs passed"


@needs_root
def test_an_init_error_is_named(artifacts, tmp_path):
    code, output = run_sim(artifacts, {}, "--function", "MissingHandlerFunction", tmp_path=tmp_path)
    assert code == 1, output
    assert re.search(r"^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: ", output,
                     re.M), output
    [failure] = fail_lines(output)
    assert failure.startswith("lambda-sim: FAIL MissingHandlerFunction at 1769 MB: Init failed: "), failure
    assert "missing.wasm" in output
    assert "Traceback" not in output


def test_functions_lambda_would_refuse_never_start(artifacts, tmp_path):
    code, output = run_sim(artifacts, {}, "--function", "ReservedFunction", tmp_path=tmp_path)
    assert code == 1, output
    assert fail_lines(output) == [
        "lambda-sim: FAIL ReservedFunction at 1769 MB: sets variables Lambda reserves (Lambda refuses the "
        "function): AWS_REGION"
    ]
    code, output = run_sim(artifacts, {}, "--function", "HelloFunction", tmp_path=tmp_path)
    assert code == 1, output
    assert fail_lines(output) == ["lambda-sim: FAIL HelloFunction at 1769 MB: no requests for it in the scenario file"]


def test_a_runtime_for_another_architecture_does_not_start(artifacts, tmp_path):
    hello = {"event": "Hello", "method": "GET", "path": "/helloworld", "status": 200}
    code, output = run_sim(artifacts, {"HelloFunction": [hello]}, "--function", "HelloFunction", "--arch", "arm64",
                           tmp_path=tmp_path)
    assert code == 1, output
    [failure] = fail_lines(output)
    assert failure.startswith("lambda-sim: FAIL HelloFunction at 1769 MB: ")
    assert failure.endswith("/Layer/bootstrap is built for x86_64, the function runs on arm64: Lambda cannot "
                            "start it (Runtime.InvalidEntrypoint)"), failure


def test_missing_artifacts_are_named(artifacts, tmp_path):
    shutil.rmtree(artifacts / "HelloFunction")
    hello = {"event": "Hello", "method": "GET", "path": "/helloworld", "status": 200}
    code, output = run_sim(artifacts, {"HelloFunction": [hello]}, "--function", "HelloFunction", tmp_path=tmp_path)
    assert code == 1, output
    [failure] = fail_lines(output)
    assert "HelloFunction at 1769 MB: no code at " in failure and "make package" in failure


