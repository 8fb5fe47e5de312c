"""The Lambda Runtime API (version 2018-06-01) that the runtime under test polls, served on
127.0.0.1 the way Lambda serves it: `GET /runtime/invocation/next` hands out one invocation at a
time with Lambda's headers; `POST .../{id}/response`, `.../{id}/error` and `/runtime/init/error`
answer 202 `{"status":"OK"}`; an unknown or already answered request id is a 400
`InvalidRequestID`, a call out of turn a 403 `InvalidStateTransition`, a response over 6 MiB a
413 (the codes and bodies of AWS's Runtime Interface Emulator). A response posted with
`Lambda-Runtime-Function-Response-Mode: streaming` is read chunked up to Lambda's 200 MiB, and an
error in its trailers (`Lambda-Runtime-Function-Error-Type`) fails the invocation.

What the runtime does arrives, in order, on `events` (`Ready`, `Answer`, `InitError`): the
execution environment (execution.py) waits on it and keeps the clock.
"""

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
# Lambda's synchronous payload limit, as the Runtime Interface Emulator checks it.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100
# A streamed response's limit.
MAX_STREAMED_BYTES = 200 * 1024 * 1024
STREAMING = "streaming"
ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
# How much of an oversized or unwanted body is read at a time while it is thrown away.
DISCARD_CHUNK = 64 * 1024


@dataclass
class Invocation:
    """One event for the runtime, and what Lambda tells it about the event in headers."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str
    # When the runtime was sent it (monotonic), once it was.
    sent_at: float | None = None


@dataclass
class Ready:
    """The runtime called `/next`: its Init, or its previous invocation, is over."""

    at: float


@dataclass
class Answer:
    """The runtime's response (`error_type` None) or error for an invocation."""

    request_id: str
    body: bytes
    error_type: str | None
    at: float
    # Streamed (`Lambda-Runtime-Function-Response-Mode: streaming`), and its content type.
    streamed: bool = False
    content_type: str | None = None


@dataclass
class InitError:
    """The runtime reported that its Init failed."""

    error_type: str
    body: bytes
    at: float


class RuntimeApi:
    """The Runtime API of one execution environment, on a free 127.0.0.1 port."""

    def __init__(self):
        self.events: queue.Queue = queue.Queue()
        self._changed = threading.Condition()
        self._initialized = False
        self._pending: Invocation | None = None
        self._current: Invocation | None = None
        self._answered = False
        self._closed = False
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """`host:port`, as Lambda sets AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def deliver(self, invocation: Invocation) -> None:
        """Hands `invocation` to the runtime's pending (or next) `/next`."""
        with self._changed:
            self._pending = invocation
            self._changed.notify_all()

    def close(self) -> None:
        """Stops serving; a `/next` still waiting gets its connection closed."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Invocation | None | str:
        """Waits for the next invocation; `None` once closed, an error text when out of turn."""
        with self._changed:
            if self._current is not None and not self._answered:
                return "the runtime asked for the next invocation before answering the current one"
            self._initialized = True
            self._current = None
            self.events.put(Ready(time.monotonic()))
            while self._pending is None and not self._closed:
                self._changed.wait()
            if self._closed:
                return None
            self._current, self._pending = self._pending, None
            self._answered = False
            return self._current

    def _answer(self, answer: Answer) -> bool:
        """Records the answer to the current invocation; False for any other request id."""
        with self._changed:
            current = self._current
            if current is None or current.request_id != answer.request_id or self._answered:
                return False
            self._answered = True
            self.events.put(answer)
            return True

    def _init_error(self, error_type: str, body: bytes) -> bool:
        """Records an Init error; False once Init is over."""
        with self._changed:
            if self._initialized:
                return False
            self.events.put(InitError(error_type, body, time.monotonic()))
            return True


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A runtime that is killed drops its connection: that is no error of the API's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(api: RuntimeApi):
    class Handler(_RuntimeApiHandler):
        runtime_api = api

    return Handler


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    # Runtimes keep one connection open across invocations, as with Lambda.
    protocol_version = "HTTP/1.1"
    # Headers and body leave at once: no waiting on the runtime's delayed acknowledgement.
    disable_nagle_algorithm = True
    runtime_api: RuntimeApi

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        """Quiet: the runtime's own log lines are the output."""

    def do_GET(self):
        if self.path != f"{PREFIX}/invocation/next":
            self._discard_body()
            return self._json(404, {"errorType": "NotFound", "errorMessage": "Not Found"})
        invocation = self.runtime_api._next()
        if invocation is None:
            self.close_connection = True
            return None
        if isinstance(invocation, str):
            return self._json(403, {"errorType": "InvalidStateTransition", "errorMessage": invocation})
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn)
        self.send_header("Lambda-Runtime-Trace-Id", invocation.trace_id)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(invocation.payload)))
        invocation.sent_at = time.monotonic()
        self.end_headers()
        self.wfile.write(invocation.payload)
        return None

    def do_POST(self):
        parts = self.path.removeprefix(PREFIX).strip("/").split("/")
        if parts == ["init", "error"]:
            body = self._read_body()
            if body is None:
                return self._too_large()
            if not self.runtime_api._init_error(self._error_type(), body):
                return self._json(403, _state_error("init/error after Init"))
            return self._json(202, {"status": "OK"})
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            request_id, kind = parts[1], parts[2]
            streamed = kind == "response" and self.headers.get("Lambda-Runtime-Function-Response-Mode") == STREAMING
            trailers: dict[str, str] = {}
            if streamed:
                body = self._read_chunked(MAX_STREAMED_BYTES, trailers)
            else:
                body = self._read_body()
            if body is None:
                # Lambda turns a response it cannot take into the invocation's error.
                too_large = Answer(request_id, b"", "Function.ResponseSizeTooLarge", time.monotonic())
                self.runtime_api._answer(too_large)
                return self._too_large()
            error_type = self._error_type() if kind == "error" else trailers.get(ERROR_TYPE.lower())
            answer = Answer(
                request_id, body, error_type, time.monotonic(), streamed, self.headers.get("Content-Type")
            )
            if not self.runtime_api._answer(answer):
                return self._json(400, {"errorType": "InvalidRequestID", "errorMessage": "Invalid request ID"})
            return self._json(202, {"status": "OK"})
        self._discard_body()
        return self._json(404, {"errorType": "NotFound", "errorMessage": "Not Found"})

    def _error_type(self) -> str:
        return self.headers.get(ERROR_TYPE) or "Runtime.Unknown"

    def _read_body(self) -> bytes | None:
        """The request body (by Content-Length or chunked); None when over Lambda's limit."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked(MAX_PAYLOAD_BYTES, {})
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            self._skip(length)
            return None
        return self.rfile.read(length)

    def _read_chunked(self, limit: int, trailers: dict[str, str]) -> bytes | None:
        """A chunked body, its trailers put in `trailers` (names in lower case); None when over
        `limit`."""
        body = bytearray()
        too_large = False
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Trailers, up to the empty line that ends them.
                while line := self.rfile.readline().strip():
                    name, _, value = line.decode("latin-1").partition(":")
                    trailers[name.strip().lower()] = value.strip()
                return None if too_large else bytes(body)
            if too_large or len(body) + size > limit:
                too_large = True
                body.clear()
                self._skip(size)
            else:
                body += self.rfile.read(size)
            self.rfile.readline()

    def _discard_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._read_chunked(MAX_PAYLOAD_BYTES, {})
        else:
            self._skip(int(self.headers.get("Content-Length") or 0))

    def _skip(self, length: int) -> None:
        while length > 0:
            read = len(self.rfile.read(min(length, DISCARD_CHUNK)))
            if read == 0:
                return
            length -= read

    def _too_large(self):
        message = f"Exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes)."
        return self._json(413, {"errorType": "RequestEntityTooLarge", "errorMessage": message})

    def _json(self, status: int, body: dict):
        data = json.dumps(body).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _state_error(message: str) -> dict:
    return {"errorType": "InvalidStateTransition", "errorMessage": message}
