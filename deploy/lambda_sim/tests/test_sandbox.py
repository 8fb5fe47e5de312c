"""The sandbox as the runtime sees it, through the probe runtime (fixtures/probe/bootstrap): the
environment Lambda sets, the read-only code and layer, a writable /tmp, the sandbox user, the
control group's limits."""

import json
import re
import tempfile
from pathlib import Path

from conftest import lay_out, needs_root, run_sim

NOBODY = 65534


def probe_report(artifacts, tmp_path, function, *args, user=None) -> dict:
    """What the probe runtime reports of its sandbox (lambda-sim prints the answer's body)."""
    output = probe_output(artifacts, tmp_path, function, *args, user=user)
    body = output.split("GET /probe -> 200 ", 1)[1].split("\n", 1)[0]
    return json.loads(body)


def probe_output(artifacts, tmp_path, function, *args, user=None) -> str:
    scenarios = {function: [{"event": "Probe", "method": "GET", "path": "/probe", "status": 200}]}
    code, output = run_sim(
        artifacts, scenarios, "--function", function, "--show-body", *args, tmp_path=tmp_path, user=user
    )
    assert code == 0, output
    return output


@needs_root
def test_the_runtime_gets_lambdas_environment_and_file_system(artifacts, tmp_path):
    report = probe_report(artifacts, tmp_path, "EnvironmentProbeFunction")
    env = report["environment"]
    assert env["LAMBDA_TASK_ROOT"] == "/var/task"
    assert env["_HANDLER"] == "probe.handler"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EnvironmentProbeFunction"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1769"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["AWS_LAMBDA_LOG_FORMAT"] == "Text"
    assert "AWS_LAMBDA_LOG_LEVEL" not in env
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/EnvironmentProbeFunction"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", env["AWS_ACCESS_KEY_ID"])
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["TZ"] == ":UTC"
    assert env["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    assert env["LD_LIBRARY_PATH"].endswith(":/var/task:/var/task/lib:/opt/lib")
    # The function's own variables, intrinsics resolved; an unreserved default it overrides.
    assert env["GREETING"] == "hello from us-east-1 in lambda-wasm of 123456789012"
    assert "SWITCHED" not in env
    assert env["TABLE"] == "probes"
    assert env["TABLE_ARN"] == "arn:aws:dynamodb:us-east-1:123456789012:table/probes"
    assert env["LANG"] == "C.UTF-8"
    # The function uses the template's table: lambda-sim points it at moto, as an operator would.
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", env["AWS_ENDPOINT_URL_DYNAMODB"])
    # Nothing of the machine's own environment; nothing Lambda leaves out for OS-only runtimes.
    assert "HOME" not in env and "PYTHONPATH" not in env and "AWS_EXECUTION_ENV" not in env
    assert report["cwd"] == "/var/task"
    assert (report["uid"], report["gid"]) == (993, 990)
    assert report["writable"] == {"task root": False, "/opt": False, "/tmp": True, "/var": False}
    assert report["task"] == ["bootstrap"]
    assert report["opt"] == ["bootstrap"]
    assert report["open_files"] == 1024


@needs_root
def test_the_runtime_gets_its_memory_sizes_cpu_share_and_memory(artifacts, tmp_path):
    report = probe_report(artifacts, tmp_path, "ProbeFunction", "--memory", "256", "--parameter", "Switch=on")
    assert report["environment"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert report["environment"]["SWITCHED"] == "yes"
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in report["environment"]
    # 256 / 1769 of a vCPU: 14,471 µs of every 100,000; 256 MiB.
    assert report["limits"] == {"cpu": "14471", "memory": str(256 * 1024 * 1024)}


@needs_root
def test_without_root_it_runs_unconfined_and_says_so():
    with tempfile.TemporaryDirectory() as directory:
        # Somewhere the unprivileged user can read.
        root = Path(directory)
        root.chmod(0o755)
        artifacts = lay_out(root / "artifacts")
        output = probe_output(artifacts, root, "ProbeFunction", user=NOBODY)
        report = json.loads(output.split("GET /probe -> 200 ", 1)[1].split("\n", 1)[0])
    assert output.splitlines()[0] == (
        "lambda-sim: UNCONFINED (not root): no mount namespace and no CPU or memory limits; "
        "each runtime runs from its artifact directories as they are"
    )
    assert ", unconfined" in output
    code = str((artifacts / "ProbeFunction").resolve())
    assert report["environment"]["LAMBDA_TASK_ROOT"] == code and report["cwd"] == code
    assert (report["uid"], report["writable"]["task root"], report["task"]) == (NOBODY, False, ["bootstrap"])


@needs_root
def test_layers_are_merged_in_order_and_artifacts_anywhere_are_mounted():
    # Under /var, which the sandbox hides behind its own: the sources are opened before.
    with tempfile.TemporaryDirectory(dir="/var/tmp") as directory:
        root = Path(directory)
        artifacts = lay_out(root / "artifacts")
        report = probe_report(artifacts, root, "LayeredProbeFunction")
    assert report["opt"] == ["bootstrap", "extra.txt"]
    assert report["opt_extra"] == "from SecondLayer"
    assert report["task"] == ["bootstrap"] and report["writable"]["/opt"] is False
