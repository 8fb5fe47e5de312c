#!/usr/bin/env python3
"""Runs every benchmark of issue #6 in one go and prints ratios measured in the same run.

`make bench` builds what this needs, then runs it. Steps:
  1. criterion (benches/invocation.rs): whole path, native vs component; instantiation; guest call;
     (benches/outbound.rs): host-side SigV4 signing of one outbound request, the policy's routing;
  2. cold start: process start to first response, `bootstrap invoke` with .wasm and .cwasm vs a
     native binary doing the same work (medians of interleaved runs);
  3. memory: RSS before and after 1,000,000 invocations on fresh instances;
  4. serve: requests per second and latency under wrk, `bootstrap serve` vs a native hyper server;
  5. concurrency (Lambda Managed Instances): invocations per second of a guest that waits on a
     clock, through `bootstrap` in Lambda mode with AWS_LAMBDA_MAX_CONCURRENCY at 1, 2, 4, 8 and
     16, against a Runtime API double here that hands out invocations concurrently.
  6. Python (issue #13): the tutorial's Python handler as a component (guest/python/hello): its
     size, cold start from .wasm and .cwasm against the Rust hello-world's, and one invocation
     (criterion, fresh instance) against the same handler called in a loop under CPython.
  7. users on DynamoDB (moto): the component's size, its cold start from .cwasm, and the time
     of one `GET /users/{id}` through `bootstrap serve` vs a native server on the AWS SDK.
  8. streaming (issue #27): time to first byte of a guest that writes its first part and then
     waits (guest/clock), streamed and buffered, through `bootstrap serve` and through Lambda
     mode against a Runtime API double here that reads the chunked stream; and the host's peak
     RSS while a component streams 100 MB, against a buffered 5 MB response.
Results go to target/bench/results.json and the plot to BENCHMARKS.png. `run.py STEP...` runs
only those steps (criterion, cold-start, python, rss, serve, concurrency, users, streaming), into
results-partial.json.
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
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "target"
WASM = TARGET / "wasm32-wasip2/release/hello_world.wasm"
CWASM = TARGET / "bench/hello_world.cwasm"
# The tutorial in JavaScript, a wasi:http component built by componentize-js (`make components`).
JS_WASM = TARGET / "wasm32-wasip2/release/js_hello.wasm"
JS_CWASM = TARGET / "bench/js_hello.cwasm"
BOOTSTRAP = TARGET / "release/bootstrap"
EXAMPLES = TARGET / "release/examples"
EVENT = ROOT / "host/tests/fixtures/events/tutorial-rest-api.json"
# Its `/nap/MS` sleeps MS milliseconds: a handler that waits, as on a slow downstream call.
SLEEPY = TARGET / "wasm32-wasip2/release/hostile_sleep.wasm"
NAP_MS = 50
CONCURRENCY_LEVELS = [1, 2, 4, 8, 16]
PY_WASM = TARGET / "python/hello.wasm"
PY_CWASM = TARGET / "bench/python_hello.cwasm"
PYTHON = ROOT / ".venv/bin/python"
GOALS = {
    "whole path, component / native": 1.5,
    "instantiation median (us)": 5.0,
    "cold start, .cwasm - native (ms)": 3.0,
    "serve rps, bootstrap / wasmtime serve": 1.5,
    "RSS growth over 1M invocations (KiB)": 1024,
    "python: whole path, fresh instance (us)": 1000,
    "python: cold start .cwasm (ms)": 50,
}


def criterion_median_ns(*path):
    estimates = TARGET.joinpath("criterion", *path, "new", "estimates.json")
    return json.loads(estimates.read_text())["median"]["point_estimate"]


def run_criterion():
    PY_CWASM.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([BOOTSTRAP, "compile", PY_WASM, "-o", PY_CWASM], check=True)
    env = dict(os.environ, PYTHON_BENCH_COMPONENT=str(PY_CWASM))
    subprocess.run(["cargo", "bench", "-p", "lambda-wasm-host", "--features", "bench", "--bench", "invocation"], cwd=ROOT, env=env, check=True)
    results = {}
    for size in ["tutorial", "large"]:
        native = criterion_median_ns("whole_path", "native", size)
        component = criterion_median_ns("whole_path", "component", size)
        results[f"whole path {size}: native (us)"] = native / 1000
        results[f"whole path {size}: component (us)"] = component / 1000
        results[f"whole path {size}: component / native"] = component / native
        # The same greeting as a standard wasi:http/proxy component (guest/wasi-http/wstd-hello).
        wasi_http = criterion_median_ns("whole_path", "wasi_http", size)
        results[f"whole path {size}: wasi:http component (us)"] = wasi_http / 1000
        results[f"whole path {size}: wasi:http / handler component"] = wasi_http / component
    results["instantiation median (us)"] = criterion_median_ns("parts", "instantiate") / 1000
    results["guest call median (us)"] = criterion_median_ns("parts", "guest_call") / 1000
    results["whole path, component / native"] = results["whole path tutorial: component / native"]
    subprocess.run(["cargo", "bench", "-p", "lambda-wasm-host", "--bench", "outbound"], cwd=ROOT, check=True)
    results["cached credentials lookup (us)"] = criterion_median_ns("outbound", "credentials_cached") / 1000
    results["SigV4 signing, DynamoDB PutItem 1 KiB (us)"] = criterion_median_ns("outbound", "sign_put_item_1kib") / 1000
    results["SigV4 signing, empty S3 GET (us)"] = criterion_median_ns("outbound", "sign_get_empty") / 1000
    results["outbound routing decision (us)"] = criterion_median_ns("outbound", "route") / 1000
    results["python: whole path, fresh instance (us)"] = criterion_median_ns("python_whole_path") / 1000
    return results


def cold_start(runs=40):
    CWASM.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([BOOTSTRAP, "compile", WASM, "-o", CWASM], check=True)
    commands = {
        "native": [EXAMPLES / "native_invoke", EVENT],
        ".wasm": [BOOTSTRAP, "invoke", "--event", EVENT, "--component", WASM],
        ".cwasm": [BOOTSTRAP, "invoke", "--event", EVENT, "--component", CWASM],
    }
    if JS_WASM.exists():
        subprocess.run([BOOTSTRAP, "compile", JS_WASM, "-o", JS_CWASM], check=True)
        commands["JavaScript .cwasm"] = [BOOTSTRAP, "invoke", "--event", EVENT, "--component", JS_CWASM]
    times = {name: [] for name in commands}
    env = dict(os.environ, RUST_LOG="error")
    for _ in range(runs):  # interleaved, so that machine noise hits all three alike
        for name, command in commands.items():
            started = time.perf_counter()
            output = subprocess.run(command, env=env, capture_output=True, check=True).stdout
            times[name].append((time.perf_counter() - started) * 1000)
            assert b"Happy Thursday" in output, output
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    js = {}
    if "JavaScript .cwasm" in medians:
        js = {
            "cold start JavaScript (wasi:http) .cwasm (ms)": medians["JavaScript .cwasm"],
            "JavaScript component size (MB)": JS_WASM.stat().st_size / 1e6,
            "JavaScript .cwasm size (MB)": JS_CWASM.stat().st_size / 1e6,
        }
    return js | {
        "cold start native (ms)": medians["native"],
        "cold start .wasm (ms)": medians[".wasm"],
        "cold start .cwasm (ms)": medians[".cwasm"],
        "cold start, .cwasm - native (ms)": medians[".cwasm"] - medians["native"],
    }


def python(cold_runs=20, wasm_runs=3):
    """The Python component's size, cold starts (interleaved with the Rust hello-world's .cwasm)
    and the same handler called in a loop under CPython."""
    rust_cwasm = CWASM
    commands = {
        "rust .cwasm": ([BOOTSTRAP, "invoke", "--event", EVENT, "--component", rust_cwasm], cold_runs),
        "python .cwasm": ([BOOTSTRAP, "invoke", "--event", EVENT, "--component", PY_CWASM], cold_runs),
        # Compiling 20 MB of CPython takes seconds: a few runs only.
        "python .wasm": ([BOOTSTRAP, "invoke", "--event", EVENT, "--component", PY_WASM], wasm_runs),
    }
    times = {name: [] for name in commands}
    env = dict(os.environ, RUST_LOG="error")
    for run in range(cold_runs):
        for name, (command, runs) in commands.items():
            if run >= runs:
                continue
            started = time.perf_counter()
            output = subprocess.run(command, env=env, capture_output=True, check=True).stdout
            times[name].append((time.perf_counter() - started) * 1000)
            assert b"Happy Thursday" in output, output
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    cpython = subprocess.run(
        [PYTHON, "-c", CPYTHON_LOOP, str(EVENT)], cwd=ROOT / "guest/python", capture_output=True, text=True, check=True
    ).stdout
    results = {
        "python: component size (MB)": PY_WASM.stat().st_size / 1e6,
        "python: cold start .wasm (ms)": medians["python .wasm"],
        "python: cold start .cwasm (ms)": medians["python .cwasm"],
        "python: rust hello-world cold start .cwasm (ms)": medians["rust .cwasm"],
        "python: same handler under CPython, per call (us)": float(cpython),
    }
    return results


# One call as the component makes it (event JSON parsed, handler, result serialised), in a loop
# under CPython on the same instance: the median of 50 timeit repeats, in microseconds.
CPYTHON_LOOP = """
import sys, timeit, statistics
sys.path.insert(0, "hello")
from types import SimpleNamespace
import lambda_wasm
import app
event = open(sys.argv[1]).read()
# The context's values do not matter to the timing.
fields = SimpleNamespace(request_id="bench", function_name="hello", function_version="$LATEST",
                         deadline_epoch_ms=2**62, invoked_function_arn="", memory_limit_in_mb=0,
                         log_group_name="", log_stream_name="")
context = lambda_wasm.host_context(fields, fields)
runs = [t / 1000 for t in timeit.repeat(lambda: lambda_wasm.invoke(app.lambda_handler, event, context), number=1000, repeat=50)]
print(statistics.median(runs) * 1e6)
"""


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
        # The very component wasmtime serves, under bootstrap serve.
        servers["bootstrap serve, wasi:http"] = lambda port: [
            BOOTSTRAP, "serve", "--component", wasmtime_hello, "--port", str(port)]
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
        results["serve rps, same wasi:http component, bootstrap / wasmtime serve"] = (
            results["serve bootstrap serve, wasi:http: requests/s"] / results["serve wasmtime serve: requests/s"])
    results["serve rps, bootstrap / native hyper"] = (
        results["serve bootstrap serve: requests/s"] / results["serve native hyper: requests/s"])
    return results


def runtime_api_server(do_get, do_post):
    """A Runtime API double's HTTP server on a free loopback port, `do_get(handler)` answering
    each `/next` poll and `do_post(handler)` each answer, every request on a thread of its own."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without this, Nagle's algorithm holds the
        # body back until the runtime's delayed ACK, 40 ms later.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            do_get(self)

        def do_POST(self):
            do_post(self)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # the runtime's connections reset when it is stopped

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def send_invocation(handler, request_id, deadline_ms, event):
    """Answers a `/next` poll with `event` as the invocation `request_id`."""
    handler.send_response(200)
    handler.send_header("lambda-runtime-aws-request-id", request_id)
    handler.send_header("lambda-runtime-deadline-ms", str(deadline_ms))
    handler.send_header("content-length", str(len(event)))
    handler.end_headers()
    handler.wfile.write(event)
    handler.wfile.flush()


class ConcurrentRuntimeApi:
    """A Lambda Runtime API double: while open, every `/next` poll gets the next invocation at
    once, however many are in flight; it counts answers and the most invocations in flight."""

    def __init__(self, event):
        self.event = event
        self.state = threading.Condition()
        self.open = False
        self.issued = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.answered = 0

        def do_get(handler):
            request_id, deadline_ms = self.next()
            send_invocation(handler, request_id, deadline_ms, self.event)

        def do_post(handler):
            handler.rfile.read(int(handler.headers.get("content-length", 0)))
            self.answer()
            handler.send_response(202)
            handler.send_header("content-length", "0")
            handler.end_headers()

        self.server = runtime_api_server(do_get, do_post)

    @property
    def address(self):
        return f"127.0.0.1:{self.server.server_address[1]}"

    def next(self):
        with self.state:
            self.state.wait_for(lambda: self.open)
            self.issued += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            return f"inv-{self.issued}", int(time.time() * 1000) + 30_000

    def answer(self):
        with self.state:
            self.in_flight -= 1
            self.answered += 1

    def window(self, seconds):
        """Hands out invocations for `seconds`; returns the answers in that time."""
        with self.state:
            self.open, before = True, self.answered
            self.state.notify_all()
        time.sleep(seconds)
        with self.state:
            self.open = False
            return self.answered - before


def peak_rss_kib(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def concurrency(seconds=2.0):
    event = json.loads(EVENT.read_text())
    event["path"] = f"/nap/{NAP_MS}"
    results = {}
    for level in CONCURRENCY_LEVELS:
        api = ConcurrentRuntimeApi(json.dumps(event).encode())
        env = dict(
            os.environ, AWS_LAMBDA_RUNTIME_API=api.address, AWS_LAMBDA_FUNCTION_NAME="sleepy",
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="2048",
            AWS_LAMBDA_MAX_CONCURRENCY=str(level), AWS_LAMBDA_LOG_LEVEL="ERROR")
        runtime = subprocess.Popen([BOOTSTRAP, "lambda", "--component", SLEEPY], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            api.window(0.5)  # warm up: every poller connected, every slot used once
            answered = api.window(seconds)
            rss = peak_rss_kib(runtime.pid)
        finally:
            runtime.terminate()
            runtime.wait()
            api.server.shutdown()
        results[f"concurrency {level}: invocations/s"] = answered / seconds
        results[f"concurrency {level}: most in flight"] = api.peak_in_flight
        results[f"concurrency {level}: peak RSS (KiB)"] = rss
    one = results["concurrency 1: invocations/s"]
    top = CONCURRENCY_LEVELS[-1]
    results[f"concurrency {top}: invocations/s vs 1"] = results[f"concurrency {top}: invocations/s"] / one
    results["RSS per extra concurrent invocation (KiB)"] = (
        results[f"concurrency {top}: peak RSS (KiB)"] - results["concurrency 1: peak RSS (KiB)"]) / (top - 1)
    return results


def plot(results):
    try:
        import matplotlib
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "matplotlib"], check=True)
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(20, 4.5))
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
    levels = [str(level) for level in CONCURRENCY_LEVELS]
    axes[3].bar(levels, [results[f"concurrency {level}: invocations/s"] for level in CONCURRENCY_LEVELS],
                color="#55a868")
    axes[3].plot(levels, [level * 1000 / NAP_MS for level in CONCURRENCY_LEVELS], "k--", label="ideal")
    axes[3].set_xlabel("AWS_LAMBDA_MAX_CONCURRENCY")
    axes[3].set_ylabel("invocations per second")
    axes[3].set_title(f"Lambda mode, a guest that waits {NAP_MS} ms")
    axes[3].legend()
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


CLOCK = TARGET / "wasm32-wasip2/release/clock.wasm"
STREAMER = TARGET / "wasm32-wasip2/release/hostile_stream.wasm"
CLOCK_EVENT = ROOT / "host/tests/fixtures/events/clock-function-url.json"
# The clock's first tick goes out at once, the second `TTFB_WAIT_MS` later.
TTFB_WAIT_MS = 1000


class StreamingRuntimeApi:
    """A Lambda Runtime API double that hands out its queued events one at a time and reads
    each answer as it arrives: a streamed one chunk by chunk. It notes when each invocation was
    handed out, when the first byte of its body (after the prelude) arrived, and how many bytes
    came."""

    def __init__(self):
        self.queue = []
        self.answers = []
        self.state = threading.Condition()
        self.handed_out = None

        def do_get(handler):
            with self.state:
                self.state.wait_for(lambda: self.queue)
                event = self.queue.pop(0)
            send_invocation(handler, f"inv-{len(self.answers)}", int(time.time() * 1000) + 60_000, event)
            self.handed_out = time.perf_counter()

        def do_post(handler):
            first, total = None, 0
            if handler.headers.get("transfer-encoding") == "chunked":
                seen = b""
                while True:
                    size = int(handler.rfile.readline().strip(), 16)
                    if size == 0:
                        while handler.rfile.readline() not in (b"\r\n", b""):
                            pass  # trailers
                        break
                    data = handler.rfile.read(size)
                    handler.rfile.readline()
                    total += size
                    if first is None:
                        seen += data
                        if b"\0" * 8 in seen and not seen.endswith(b"\0" * 8):
                            first = time.perf_counter()
            else:
                total = len(handler.rfile.read(int(handler.headers.get("content-length", 0))))
                first = time.perf_counter()
            handler.send_response(202)
            handler.send_header("content-length", "0")
            handler.end_headers()
            with self.state:
                self.answers.append((self.handed_out, first, time.perf_counter(), total))
                self.state.notify_all()

        self.server = runtime_api_server(do_get, do_post)

    def run(self, event):
        """Hands out `event` and waits for its answer: (first body byte - handed out, end -
        handed out, bytes), in seconds."""
        with self.state:
            count = len(self.answers)
            self.queue.append(event)
            self.state.notify_all()
            self.state.wait_for(lambda: len(self.answers) > count, timeout=120)
            handed_out, first, end, total = self.answers[-1]
        return first - handed_out, end - handed_out, total

    def start(self, component, mode):
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{self.server.server_address[1]}",
                   AWS_LAMBDA_FUNCTION_NAME="clock", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                   AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024", LAMBDA_WASM_INVOKE_MODE=mode,
                   AWS_LAMBDA_LOG_LEVEL="ERROR", RUST_LOG="error")
        return subprocess.Popen([BOOTSTRAP, "lambda", "--component", component], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def function_url_event(path, query):
    event = json.loads(CLOCK_EVENT.read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    event["queryStringParameters"] = query
    return json.dumps(event).encode()


def ttfb_serve(port, path):
    """Seconds from sending `GET path` to the first body byte, and to the end."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        started = time.perf_counter()
        connection.sendall(f"GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n".encode())
        received, first = b"", None
        while True:
            data = connection.recv(65536)
            if not data:
                break
            received += data
            if first is None and b"event: tick" in received:
                first = time.perf_counter()
        assert b"event: done" in received, received[-300:]
        return first - started, time.perf_counter() - started


def streaming(runs=15):
    results = {}
    path = f"/clock?ticks=2&interval_ms={TTFB_WAIT_MS}"
    # Through serve, streamed and buffered, interleaved.
    env = dict(os.environ, RUST_LOG="error")
    ports, servers = {}, []
    for mode in ["response_stream", "buffered"]:
        ports[mode] = free_port()
        servers.append(subprocess.Popen(
            [BOOTSTRAP, "serve", "--component", CLOCK, "--port", str(ports[mode]), "--invoke-mode", mode],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port in ports.values():
            wait_for_port(port)
        times = {mode: [] for mode in ports}
        for _ in range(runs):
            for mode, port in ports.items():
                times[mode].append(ttfb_serve(port, path)[0] * 1000)
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    for mode, samples in times.items():
        results[f"streaming: serve TTFB, {mode} (ms)"] = statistics.median(samples)
    results["streaming: serve TTFB, buffered / streamed"] = (
        results["streaming: serve TTFB, buffered (ms)"] / results["streaming: serve TTFB, response_stream (ms)"])

    # Through Lambda mode, one runtime per mode, alternating invocations.
    event = function_url_event("/clock", {"ticks": "2", "interval_ms": str(TTFB_WAIT_MS)})
    apis, runtimes = {}, []
    for mode in ["response_stream", "buffered"]:
        apis[mode] = StreamingRuntimeApi()
        runtimes.append(apis[mode].start(CLOCK, mode))
    try:
        times = {mode: [] for mode in apis}
        for mode, api in apis.items():
            api.run(event)  # warm up
        for _ in range(runs):
            for mode, api in apis.items():
                times[mode].append(api.run(event)[0] * 1000)
    finally:
        for runtime in runtimes:
            runtime.terminate()
            runtime.wait()
    for mode, samples in times.items():
        results[f"streaming: Lambda mode TTFB, {mode} (ms)"] = statistics.median(samples)
    results["streaming: Lambda mode TTFB, buffered / streamed"] = (
        results["streaming: Lambda mode TTFB, buffered (ms)"]
        / results["streaming: Lambda mode TTFB, response_stream (ms)"])

    # Host memory: 100 MB streamed, against 5 MB buffered (the whole body held), each in a fresh
    # runtime after one small invocation.
    for mode, size in [("response_stream", 100_000_000), ("buffered", 5_000_000)]:
        api = StreamingRuntimeApi()
        runtime = api.start(STREAMER, mode)
        try:
            api.run(function_url_event("/ok", {}))
            before = int(re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{runtime.pid}/status").read_text()).group(1))
            _, seconds, total = api.run(function_url_event(f"/bytes/{size}", {"part": "65536"}))
            peak = peak_rss_kib(runtime.pid)
        finally:
            runtime.terminate()
            runtime.wait()
        megabytes = size // 1_000_000
        assert total >= size, (mode, total)
        results[f"streaming: {megabytes} MB {mode}, RSS before (KiB)"] = before
        results[f"streaming: {megabytes} MB {mode}, peak RSS growth (KiB)"] = peak - before
        results[f"streaming: {megabytes} MB {mode}, MB/s"] = size / 1e6 / seconds
    return results


STEPS = {
    "criterion": run_criterion,
    "cold-start": cold_start,
    "python": python,
    "rss": rss,
    "serve": serve_throughput,
    "concurrency": concurrency,
    "users": users_on_dynamodb,
    "streaming": streaming,
}


def main():
    # `run.py concurrency serve` runs those steps alone; no argument runs them all.
    steps = sys.argv[1:] or list(STEPS)
    results = {}
    for step in steps:
        results.update(STEPS[step]())
    (TARGET / "bench").mkdir(parents=True, exist_ok=True)
    complete = len(steps) == len(STEPS)
    name = "results.json" if complete else "results-partial.json"
    (TARGET / "bench" / name).write_text(json.dumps(results, indent=2))
    if complete:
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
