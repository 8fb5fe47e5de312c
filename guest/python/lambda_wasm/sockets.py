"""The TCP connections HTTP clients open (``http.client`` and so ``urllib.request``, urllib3 and
so ``requests``), made of HTTP exchanges through the host: what a client writes to its socket is
read as HTTP/1.1 requests, the way a server reads them (h11); each complete request is sent by
the host (``lambda_wasm.outbound``), and its response is written back as HTTP/1.1 for the client
to read as from any server. The sandbox has no TCP of its own: the host resolves, connects, does
the TLS of ``https`` (``lambda_wasm.tls`` marks a connection as TLS) and applies its policy.

Every response is the last of its connection (``Connection: close``): the host connects for each
request, and a client that reuses no connection never needs to poll one (``select`` needs a real
file descriptor). Response header names come in lower case, as the host reads them.

``install`` puts ``HttpSocket`` in the ``socket`` module in the component; the class itself runs
under CPython too, with another ``send``, in the tests.
"""

import errno
import io
import socket as _socket
from http import HTTPStatus
from typing import Callable, List, Optional, Tuple

import h11

class HttpSocket:
    """A client's TCP socket whose requests the host sends; see the module."""

    # Set by ``install``: sends one request and returns its response (lambda_wasm.outbound).
    exchange: Callable = None  # type: ignore[assignment]

    def __init__(self, family: int = _socket.AF_INET, type: int = _socket.SOCK_STREAM, proto: int = 0, fileno: Optional[int] = None) -> None:
        if fileno is not None or type != _socket.SOCK_STREAM:
            raise OSError(errno.EPROTONOSUPPORT, "the sandbox has no sockets: only HTTP requests over TCP, which the host sends")
        self.family, self.type, self.proto = family, type, proto
        self._peer: Optional[Tuple[str, int]] = None
        self._timeout = _socket.getdefaulttimeout()
        # Set by lambda_wasm.tls when the client wraps the connection in TLS.
        self.server_hostname: Optional[str] = None
        self.tls = False
        self._http = h11.Connection(our_role=h11.SERVER)
        self._request: Optional[h11.Request] = None
        self._body: List[bytes] = []
        self._response: Optional[bytes] = None
        self._pending = bytearray()
        self._upstream = None
        # As a socket's: closed once it and every file ``makefile`` made of it are.
        self._io_refs = 0
        self._closed = False
        self._released = False

    # The connection: no network here, the host connects for each request.

    def connect(self, address: Tuple) -> None:
        self._peer = (str(address[0]), int(address[1]))

    def connect_ex(self, address: Tuple) -> int:
        self.connect(address)
        return 0

    def settimeout(self, value: Optional[float]) -> None:
        self._timeout = value

    def gettimeout(self) -> Optional[float]:
        return self._timeout

    def setblocking(self, flag: bool) -> None:
        self._timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        return self._timeout != 0.0

    def setsockopt(self, *args) -> None:
        """Options are the host's to set, for its own connections."""

    def getsockopt(self, level: int, option: int, buflen: int = 0) -> int:
        return 0

    def bind(self, address: Tuple) -> None:
        raise OSError(errno.EADDRNOTAVAIL, "the sandbox has no addresses to bind: the host connects")

    def getpeername(self) -> Tuple[str, int]:
        if self._peer is None:
            raise OSError(errno.ENOTCONN, "not connected")
        return self._peer

    def getsockname(self) -> Tuple[str, int]:
        return ("0.0.0.0", 0)

    def fileno(self) -> int:
        # No descriptor: select() and poll() refuse this socket, and no client needs them on
        # a connection closed after each response.
        return -1

    def detach(self) -> int:
        return -1

    def shutdown(self, how: int) -> None:
        pass

    def close(self) -> None:
        self._closed = True
        if self._io_refs <= 0:
            self._release()

    def _release(self) -> None:
        self._released = True
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def _decref_socketios(self) -> None:
        self._io_refs -= 1
        if self._closed and self._io_refs <= 0:
            self._release()

    def __enter__(self) -> "HttpSocket":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Writing: the client's request, read as a server reads it.

    def sendall(self, data: bytes, flags: int = 0) -> None:
        self._check_open()
        self._http.receive_data(bytes(data))
        while True:
            try:
                event = self._http.next_event()
            except h11.RemoteProtocolError as invalid:
                raise OSError(errno.EPROTO, f"the client wrote a request that is not valid HTTP/1.1: {invalid}") from None
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Request):
                self._request, self._body = event, []
            elif isinstance(event, h11.Data):
                self._body.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._send_request()
                return

    def send(self, data: bytes, flags: int = 0) -> int:
        self.sendall(data, flags)
        return len(data)

    def _send_request(self) -> None:
        request = self._request
        assert request is not None
        scheme, authority, path = self._target(request)
        headers = [(name.decode("latin-1"), value) for name, value in request.headers]
        upstream = type(self).exchange(request.method.decode("ascii"), scheme, authority, path, headers, self._body, self._timeout)
        self._upstream = upstream
        # The head now; the body as the client reads it.
        reason = _reason(upstream.status)
        head = upstream.headers + [("connection", b"close")]
        try:
            self._pending += self._http.send(h11.Response(status_code=upstream.status, headers=head, reason=reason))
        except h11.LocalProtocolError as invalid:
            upstream.close()
            self._upstream = None
            raise ConnectionResetError(errno.ECONNRESET, f"the response is not one HTTP/1.1 can carry: {invalid}") from None

    def _target(self, request: h11.Request) -> Tuple[str, str, str]:
        scheme = "https" if self.tls else "http"
        target = request.target.decode("ascii")
        host = next((value.decode("ascii") for name, value in request.headers if name == b"host"), None)
        if target.startswith(("http://", "https://")):
            # Absolute form (a request meant for a proxy): it names its own destination.
            scheme, rest = target.split("://", 1)
            host, _, path = rest.partition("/")
            return scheme, host, "/" + path
        if host is None and self._peer is not None:
            host = f"{self._peer[0]}:{self._peer[1]}"
        return scheme, host or "", target

    # Reading: the response, written as a server writes it.

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._check_open()
        while not self._pending and self._upstream is not None:
            self._pull()
        taken = bytes(self._pending[:bufsize])
        del self._pending[:bufsize]
        return taken

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        data = self.recv(nbytes or len(buffer), flags)
        buffer[: len(data)] = data
        return len(data)

    def _pull(self) -> None:
        upstream = self._upstream
        chunk = upstream.read(64 << 10)
        if chunk:
            self._pending += self._http.send(h11.Data(data=chunk))
        else:
            self._pending += self._http.send(h11.EndOfMessage())
            upstream.close()
            self._upstream = None

    def makefile(self, mode: str = "r", buffering: Optional[int] = None, **_kwargs) -> io.IOBase:
        self._io_refs += 1
        if "w" in mode:
            return io.BufferedWriter(_SocketIO(self))
        return io.BufferedReader(_SocketIO(self), buffering or io.DEFAULT_BUFFER_SIZE)

    def _check_open(self) -> None:
        if self._released:
            raise OSError(errno.EBADF, "Bad file descriptor")


class _SocketIO(io.RawIOBase):
    """The socket as a raw stream, as ``socket.makefile`` makes one."""

    def __init__(self, sock: HttpSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._sock.recv_into(buffer)

    def write(self, data) -> int:
        self._sock.sendall(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._sock._decref_socketios()
        super().close()


def _reason(status: int) -> bytes:
    # wasi:http has no reason phrase: the standard one, as most servers send it.
    try:
        return HTTPStatus(status).phrase.encode("latin-1")
    except ValueError:
        return b""


def getaddrinfo(host, port, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> list:
    """The name itself, unresolved: the host resolves it when it sends the request, and checks
    the address it connects to."""
    if isinstance(host, bytes):
        host = host.decode("ascii")
    return [(_socket.AF_INET, _socket.SOCK_STREAM, _socket.IPPROTO_TCP, "", (host, int(port or 0)))]


def install(exchange: Callable) -> None:
    """Makes every TCP connection of this interpreter an ``HttpSocket`` whose requests
    ``exchange`` sends."""
    HttpSocket.exchange = staticmethod(exchange)
    _socket.socket = HttpSocket  # type: ignore[misc]
    _socket.SocketType = HttpSocket  # type: ignore[misc]
    _socket.getaddrinfo = getaddrinfo
