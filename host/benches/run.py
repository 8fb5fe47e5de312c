#!/usr/bin/env python3
"""Runs every benchmark of issue #6 in one go and prints ratios measured in the same run.

`make bench` builds what this needs, then runs it. Steps:
  1. criterion (benches/invocation.rs): whole path, native vs component; instantiation; guest call;
     (benches/outbound.rs): host-side SigV4 signing of one outbound request, the policy's routing;
  2. cold start: process start to first response, `bootstrap invoke` with .wasm and .cwasm vs a
     native binary doing the same work (medians of interleaved runs);
  3. memory: RSS before and after 1,000,000 invocations on fresh instances;
  4. serve: requests per second and latency under wrk, `bootstrap serve` vs a native hyper server;
  5. users on DynamoDB (moto): the component's size, its cold start from .cwasm, and the time
     of one `GET /users/{id}` through `bootstrap serve` vs a native server on the AWS SDK.
Results go to target/bench/results.json and the plot to BENCHMARKS.png.
"""

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
WASM = TARGET / "wasm32-wasip2/release/hello_world.wasm"
CWASM = TARGET / "bench/hello_world.cwasm"
BOOTSTRAP = TARGET / "release/bootstrap"
EXAMPLES = TARGET / "release/examples"
EVENT = ROOT / "host/tests/fixtures/events/tutorial-rest-api.json"
GOALS = {
    "whole path, component / native": 1.5,
    "instantiation median (us)": 5.0,
    "cold start, .cwasm - native (ms)": 3.0,
    "serve rps, bootstrap / wasmtime serve": 1.5,
    "RSS growth over 1M invocations (KiB)": 1024,
}


def criterion_median_ns(*path):
    estimates = TARGET.joinpath("criterion", *path, "new", "estimates.json")
    return json.loads(estimates.read_text())["median"]["point_estimate"]


def run_criterion():
    subprocess.run(["cargo", "bench", "-p", "lambda-wasm-host", "--features", "bench", "--bench", "invocation"], cwd=ROOT, check=True)
    results = {}
    for size in ["tutorial", "large"]:
        native = criterion_median_ns("whole_path", "native", size)
        component = criterion_median_ns("whole_path", "component", size)
        results[f"whole path {size}: native (us)"] = native / 1000
        results[f"whole path {size}: component (us)"] = component / 1000
        results[f"whole path {size}: component / native"] = component / native
    results["instantiation median (us)"] = criterion_median_ns("parts", "instantiate") / 1000
    results["guest call median (us)"] = criterion_median_ns("parts", "guest_call") / 1000
    results["whole path, component / native"] = results["whole path tutorial: component / native"]
    subprocess.run(["cargo", "bench", "-p", "lambda-wasm-host", "--bench", "outbound"], cwd=ROOT, check=True)
    results["SigV4 signing, DynamoDB PutItem 1 KiB (us)"] = criterion_median_ns("outbound", "sign_put_item_1kib") / 1000
    results["SigV4 signing, empty S3 GET (us)"] = criterion_median_ns("outbound", "sign_get_empty") / 1000
    results["outbound routing decision (us)"] = criterion_median_ns("outbound", "route") / 1000
    return results


def cold_start(runs=40):
    CWASM.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([BOOTSTRAP, "compile", WASM, "-o", CWASM], check=True)
    commands = {
        "native": [EXAMPLES / "native_invoke", EVENT],
        ".wasm": [BOOTSTRAP, "invoke", "--event", EVENT, "--component", WASM],
        ".cwasm": [BOOTSTRAP, "invoke", "--event", EVENT, "--component", CWASM],
    }
    times = {name: [] for name in commands}
    env = dict(os.environ, RUST_LOG="error")
    for _ in range(runs):  # interleaved, so that machine noise hits all three alike
        for name, command in commands.items():
            started = time.perf_counter()
            output = subprocess.run(command, env=env, capture_output=True, check=True).stdout
            times[name].append((time.perf_counter() - started) * 1000)
            assert b"Happy Thursday" in output, output
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    return {
        "cold start native (ms)": medians["native"],
        "cold start .wasm (ms)": medians[".wasm"],
        "cold start .cwasm (ms)": medians[".cwasm"],
        "cold start, .cwasm - native (ms)": medians[".cwasm"] - medians["native"],
    }


def rss(invocations=1_000_000):
    line = subprocess.run(
        [EXAMPLES / "rss_growth", WASM, EVENT, str(invocations)], capture_output=True, text=True, check=True
    ).stdout
    values = dict(pair.split("=") for pair in line.split())
    return {
        "RSS before (KiB)": int(values["rss_before_kib"]),
        "RSS after 1M invocations (KiB)": int(values["rss_after_kib"]),
        "RSS growth over 1M invocations (KiB)": int(values["growth_kib"]),
        "per invocation in that loop (us)": float(values["per_invocation_us"]),
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wrk(port, seconds=10, connections=32):
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         f"http://127.0.0.1:{port}/helloworld?name=John&city=Seattle"],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    return rps, float(p50.group(1)) * scale


def serve_throughput():
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    servers = {
        "bootstrap serve": lambda port: [BOOTSTRAP, "serve", "--component", WASM, "--port", str(port)],
        "native hyper": lambda port: [EXAMPLES / "native_serve", str(port)],
    }
    wasmtime_hello = TARGET / "wasm32-wasip2/release/http_hello.wasm"
    if shutil.which("wasmtime") and wasmtime_hello.exists():
        servers["wasmtime serve"] = lambda port: [
            "wasmtime", "serve", "-S", "cli", "--addr", f"127.0.0.1:{port}", wasmtime_hello]
    results = {}
    env = dict(os.environ, RUST_LOG="error")
    for name, command in servers.items():
        port = free_port()
        server = subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            wrk(port, seconds=2)  # warm up
            rps, p50 = wrk(port)
        finally:
            server.terminate()
            server.wait()
        results[f"serve {name}: requests/s"] = rps
        results[f"serve {name}: p50 latency (ms)"] = p50
    if "wasmtime serve" in servers:
        results["serve rps, bootstrap / wasmtime serve"] = (
            results["serve bootstrap serve: requests/s"] / results["serve wasmtime serve: requests/s"])
    results["serve rps, bootstrap / native hyper"] = (
        results["serve bootstrap serve: requests/s"] / results["serve native hyper: requests/s"])
    return results


def plot(results):
    try:
        import matplotlib
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"], check=True)
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    sizes = ["tutorial", "large"]
    for offset, kind, color in [(-0.2, "native", "#4c72b0"), (0.2, "component", "#dd8452")]:
        axes[0].bar([i + offset for i in range(2)], [results[f"whole path {s}: {kind} (us)"] for s in sizes],
                    width=0.4, label=kind, color=color)
    axes[0].set_xticks(range(2), ["tutorial event", "large event (20 headers, 10 KB)"])
    axes[0].set_ylabel("median µs per invocation")
    axes[0].set_title("Whole path: event JSON → response JSON")
    axes[0].legend()
    starts = ["native", ".cwasm", ".wasm"]
    axes[1].bar(starts, [results[f"cold start {s} (ms)"] for s in starts], color=["#4c72b0", "#55a868", "#dd8452"])
    axes[1].set_ylabel("median ms, process start → response")
    axes[1].set_title("Cold start (bootstrap invoke)")
    servers = [k[len("serve "):-len(": requests/s")] for k in results if k.startswith("serve ") and k.endswith(": requests/s")]
    axes[2].bar(servers, [results[f"serve {s}: requests/s"] for s in servers])
    axes[2].set_ylabel("requests per second (wrk, 32 connections)")
    axes[2].set_title("Local HTTP serving")
    fig.suptitle(f"lambda-wasm benchmarks — {platform.machine()}, {os.cpu_count()} cores (shared, noisy)")
    fig.tight_layout()
    fig.savefig(ROOT / "BENCHMARKS.png", dpi=90)


USERS_WASM = TARGET / "wasm32-wasip2/release/users.wasm"
USERS_CWASM = TARGET / "bench/users.cwasm"


def start_moto():
    """deploy/local-dynamodb.py from .venv: (process, environment serving users against it)."""
    moto = subprocess.Popen(
        [ROOT / ".venv/bin/python", ROOT / "deploy/local-dynamodb.py", "--template", ROOT / "template.yaml"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    endpoint = moto.stdout.readline().strip().removeprefix("AWS_ENDPOINT_URL_DYNAMODB=")
    env = dict(os.environ, RUST_LOG="error", AWS_ENDPOINT_URL_DYNAMODB=endpoint, AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", LAMBDA_WASM_AWS_SERVICES="dynamodb",
               LAMBDA_WASM_OUTBOUND_HOSTS="https://dynamodb.us-east-1.amazonaws.com",
               USERS_TABLE="UsersTable", LAMBDA_WASM_GUEST_ENV="USERS_TABLE")
    return moto, env


def users_on_dynamodb(requests=300, runs=20):
    import http.client
    moto, env = start_moto()
    try:
        results = {"users component size (KiB)": USERS_WASM.stat().st_size / 1024}
        USERS_CWASM.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([BOOTSTRAP, "compile", USERS_WASM, "-o", USERS_CWASM], check=True)
        create = ROOT / "host/tests/fixtures/events/users-rest-api-create-user.json"
        starts = []
        for _ in range(runs):  # process start to the answer of a PutItem
            started = time.perf_counter()
            output = subprocess.run([BOOTSTRAP, "invoke", "--event", create, "--component", USERS_CWASM],
                                    env=env, capture_output=True, check=True).stdout
            starts.append((time.perf_counter() - started) * 1000)
            assert b'"statusCode":201' in output.replace(b" ", b""), output
        results["users cold start .cwasm, one PutItem (ms)"] = statistics.median(starts)

        servers = {
            "component": lambda port: [BOOTSTRAP, "serve", "--component", USERS_WASM, "--port", str(port)],
            "native": lambda port: [TARGET / "release/users-native", str(port)],
        }
        connections, processes = {}, []
        for name, command in servers.items():
            port = free_port()
            processes.append(subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL))
            wait_for_port(port)
            connections[name] = http.client.HTTPConnection("127.0.0.1", port)
        try:
            def call(name, method, path, body=None):
                connection = connections[name]
                connection.request(method, path, body=body, headers={"content-type": "application/json"})
                response = connection.getresponse()
                return response.status, json.loads(response.read())
            ids = {}
            for name in servers:
                status, body = call(name, "POST", "/users", '{"name":"Ann","email":"a@b.c"}')
                assert status == 201, body
                ids[name] = body["user"]["id"]
            times = {name: [] for name in servers}
            for _ in range(requests):  # interleaved, so that machine noise hits both alike
                for name in servers:
                    started = time.perf_counter()
                    status, body = call(name, "GET", f"/users/{ids[name]}")
                    times[name].append((time.perf_counter() - started) * 1000)
                    assert status == 200, body
        finally:
            for process in processes:
                process.terminate()
                process.wait()
        for name, samples in times.items():
            results[f"users GET by id, {name} (ms)"] = statistics.median(samples)
        results["users GET by id, component / native"] = (
            results["users GET by id, component (ms)"] / results["users GET by id, native (ms)"])
        return results
    finally:
        moto.terminate()
        moto.wait()


def main():
    results = {}
    if "--users" in sys.argv:  # only step 5: `python3 host/benches/run.py --users`
        results.update(users_on_dynamodb())
        for key, value in results.items():
            print(f"{key:45} {value:12.2f}")
        return
    results.update(run_criterion())
    results.update(cold_start())
    results.update(rss())
    results.update(serve_throughput())
    results.update(users_on_dynamodb())
    (TARGET / "bench").mkdir(parents=True, exist_ok=True)
    (TARGET / "bench/results.json").write_text(json.dumps(results, indent=2))
    plot(results)
    print("\n== results (medians) ==")
    for key, value in results.items():
        print(f"{key:45} {value:12.2f}")
    print("\n== goals ==")
    for key, goal in GOALS.items():
        if key not in results:
            print(f"{key:45} not measured")
            continue
        value = results[key]
        met = value >= goal if "/ wasmtime" in key else value <= goal
        print(f"{key:45} {value:10.2f}  goal {'>=' if '/ wasmtime' in key else '<='} {goal:<6} {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
