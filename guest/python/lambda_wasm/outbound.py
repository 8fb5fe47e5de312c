"""One HTTP exchange through the host: the request goes out over ``wasi:http/outgoing-handler``
and the host sends it under its policy (its allowlist, caps and logs), does the TLS of an
``https`` request, and signs a request to an AWS service it was told to sign for. The guest
holds no credentials and opens no socket.

A refused or failed request is an ``OSError`` of the kind a socket would raise for the same
cause, its message naming the reason, so that every HTTP library reports it as its own
connection error (``lambda_wasm.sockets``, ``lambda_wasm.boto``).

Only inside the component: it calls the world's imports (``wit_world``).
"""

import errno
import socket
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

from componentize_py_types import Err
from wit_world.imports import outgoing_handler, streams, types

# wasi:io streams take at most this many bytes per blocking write.
_WRITE_CHUNK = 4096
# What one read asks the host for.
_READ_CHUNK = 64 << 10

Headers = List[Tuple[str, bytes]]

# Between a client and its peer only, never for the host, which frames the message and connects
# for each request: wasi:http refuses them. The host's name is the request's authority.
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "transfer-encoding", "upgrade", "te", "trailer", "host", "expect", "http2-settings"}


@dataclass
class Response:
    """The response's head, and its body as a stream read on demand."""

    status: int
    headers: Headers
    _body: "_Body" = field(repr=False)

    def read(self, amount: int = -1) -> bytes:
        """Up to ``amount`` bytes of the body (all of it for -1); ``b""`` at its end."""
        return self._body.read(amount)

    def close(self) -> None:
        """Gives the body back to the host, read or not."""
        self._body.close()


def send(
    method: str,
    scheme: str,
    authority: str,
    path_with_query: str,
    headers: Headers,
    body: Iterable[bytes] = (),
    timeout: Optional[float] = None,
) -> Response:
    """Sends the request through the host and returns its response once its head has come;
    raises ``OSError`` (see the module) when the host refuses it or it fails. ``timeout``, in
    seconds as a socket's, bounds connecting and each wait on the response."""
    outgoing = types.OutgoingRequest(_fields([(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]))
    outgoing.set_method(_method(method))
    outgoing.set_scheme(types.Scheme_Https() if scheme == "https" else types.Scheme_Http())
    outgoing.set_authority(authority)
    outgoing.set_path_with_query(path_with_query)
    request_body = outgoing.body()
    options = _options(timeout)
    try:
        # Takes the request and the options: neither is dropped here.
        future = outgoing_handler.handle(outgoing, options)
    except Err as refused:
        request_body.__exit__(None, None, None)
        raise error_for(refused.value) from None
    with future:
        _write_body(request_body, body)
        with future.subscribe() as ready:
            ready.block()
        outcome = future.get()
    # `get` gives Ok(Ok(response)), Ok(Err(error-code)), or Err once taken: it was not.
    result = outcome.value
    if isinstance(result, Err):
        raise error_for(result.value)
    incoming = result.value
    with incoming.headers() as fields:
        headers = [(name, bytes(value)) for name, value in fields.entries()]
    return Response(status=incoming.status(), headers=headers, _body=_Body(incoming))


def _fields(headers: Headers) -> "types.Fields":
    try:
        return types.Fields.from_list(headers)
    except Err as invalid:
        names = ", ".join(name for name, _ in headers)
        raise OSError(errno.EINVAL, f"a request header the host does not accept ({type(invalid.value).__name__}): {names}") from None


def _method(name: str) -> "types.Method":
    known = {
        "GET": types.Method_Get,
        "HEAD": types.Method_Head,
        "POST": types.Method_Post,
        "PUT": types.Method_Put,
        "DELETE": types.Method_Delete,
        "CONNECT": types.Method_Connect,
        "OPTIONS": types.Method_Options,
        "TRACE": types.Method_Trace,
        "PATCH": types.Method_Patch,
    }.get(name)
    return known() if known is not None else types.Method_Other(name)


def _options(timeout: Optional[float]) -> Optional["types.RequestOptions"]:
    if timeout is None:
        return None
    nanoseconds = max(int(timeout * 1e9), 1)
    options = types.RequestOptions()
    options.set_connect_timeout(nanoseconds)
    options.set_first_byte_timeout(nanoseconds)
    options.set_between_bytes_timeout(nanoseconds)
    return options


def _write_body(body: "types.OutgoingBody", chunks: Iterable[bytes]) -> None:
    stream = body.write()
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            for start in range(0, len(view), _WRITE_CHUNK):
                stream.blocking_write_and_flush(bytes(view[start : start + _WRITE_CHUNK]))
    except Err:
        # The host stopped taking the body: the response (or its error) says why.
        pass
    finally:
        stream.__exit__(None, None, None)
        types.OutgoingBody.finish(body, None)


class _Body:
    """A response body read from the host as the client asks for it."""

    def __init__(self, incoming: "types.IncomingResponse") -> None:
        self._incoming = incoming
        self._body = incoming.consume()
        self._stream: Optional[streams.InputStream] = self._body.stream()
        self._buffer = b""

    def read(self, amount: int) -> bytes:
        if amount < 0:
            parts = [self._buffer]
            self._buffer = b""
            while part := self._next(_READ_CHUNK):
                parts.append(part)
            return b"".join(parts)
        if not self._buffer:
            self._buffer = self._next(max(amount, _READ_CHUNK))
        taken, self._buffer = self._buffer[:amount], self._buffer[amount:]
        return taken

    def _next(self, amount: int) -> bytes:
        if self._stream is None:
            return b""
        try:
            return self._stream.blocking_read(amount)
        except Err as failed:
            self.close()
            if isinstance(failed.value, streams.StreamError_Closed):
                return b""
            code = types.http_error_code(failed.value.value)
            raise error_for(code) if code is not None else ConnectionResetError(errno.ECONNRESET, "the response body failed") from None

    def close(self) -> None:
        # Children first: the host refuses to drop a resource whose child is alive.
        if self._stream is not None:
            self._stream.__exit__(None, None, None)
            self._stream = None
            self._body.__exit__(None, None, None)
            self._incoming.__exit__(None, None, None)


# The host's reasons, in the words its logs and docs/outbound.md use.
_DENIED = "the host refused the request: {}"


def error_for(code: "types.ErrorCode") -> OSError:
    """The ``OSError`` a socket would raise for the failure ``code`` names."""
    name = type(code).__name__.removeprefix("ErrorCode_")
    if isinstance(code, types.ErrorCode_HttpRequestDenied):
        return ConnectionRefusedError(errno.ECONNREFUSED, _DENIED.format("its destination is not on the function's allowlist (LAMBDA_WASM_OUTBOUND_HOSTS)"))
    if isinstance(code, types.ErrorCode_DestinationIpProhibited):
        return ConnectionRefusedError(errno.ECONNREFUSED, _DENIED.format("its destination's address is one no guest may reach"))
    if isinstance(code, types.ErrorCode_ConnectionLimitReached):
        return ConnectionRefusedError(errno.ECONNREFUSED, _DENIED.format("the invocation sent all the requests it may (LAMBDA_WASM_OUTBOUND_MAX_REQUESTS)"))
    if isinstance(code, types.ErrorCode_HttpResponseBodySize):
        return ConnectionAbortedError(errno.ECONNABORTED, _DENIED.format("the response body is larger than it takes (LAMBDA_WASM_OUTBOUND_MAX_RESPONSE_KB)"))
    if isinstance(code, types.ErrorCode_DnsError):
        detail = code.value.rcode or "no such name"
        return socket.gaierror(socket.EAI_NONAME, f"name resolution failed: {detail}")
    if isinstance(code, types.ErrorCode_DnsTimeout):
        return socket.gaierror(socket.EAI_AGAIN, "name resolution timed out")
    if isinstance(code, (types.ErrorCode_ConnectionTimeout, types.ErrorCode_ConnectionReadTimeout, types.ErrorCode_HttpResponseTimeout, types.ErrorCode_ConnectionWriteTimeout)):
        return TimeoutError(errno.ETIMEDOUT, "timed out")
    if isinstance(code, types.ErrorCode_ConnectionRefused):
        return ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    if isinstance(code, (types.ErrorCode_ConnectionTerminated, types.ErrorCode_HttpResponseIncomplete)):
        return ConnectionResetError(errno.ECONNRESET, "the connection was closed before the response was complete")
    if isinstance(code, (types.ErrorCode_TlsCertificateError, types.ErrorCode_TlsProtocolError, types.ErrorCode_TlsAlertReceived)):
        import ssl  # the component's: lambda_wasm.tls

        return ssl.SSLCertVerificationError(errno.EIO, f"TLS failed in the host: {name}")
    if isinstance(code, types.ErrorCode_InternalError) and code.value:
        return OSError(errno.EIO, f"the host could not send the request: {code.value}")
    if isinstance(code, (types.ErrorCode_DestinationNotFound, types.ErrorCode_DestinationUnavailable, types.ErrorCode_DestinationIpUnroutable)):
        return ConnectionRefusedError(errno.EHOSTUNREACH, f"the destination cannot be reached ({name})")
    return OSError(errno.EIO, f"the request failed: {name}")
