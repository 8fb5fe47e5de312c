"""boto3 and botocore through the host, by botocore's own event hooks, in every session:

- ``choose-signer`` answers ``botocore.UNSIGNED``: the guest signs nothing and needs no
  credentials (it has none: the host signs every request to a service in
  ``LAMBDA_WASM_AWS_SERVICES``, with the function's credentials);
- ``before-send`` sends the prepared request through the host (``lambda_wasm.outbound``) and
  gives botocore the response, which it parses, retries and raises on (``ClientError`` with its
  error code) as on Lambda. A request the host refuses or that fails is botocore's own
  connection error (``EndpointConnectionError``, ``ConnectTimeoutError``, ...).

botocore's requests name AWS's endpoints (``https://dynamodb.<region>.amazonaws.com``); the host
sends them to ``AWS_ENDPOINT_URL_<SERVICE>`` when the operator set one. ``install`` registers the
hooks before any session exists; botocore is imported at build time, inside the component.
"""

import socket
from typing import Any, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import botocore
import botocore.awsrequest
import botocore.exceptions
import botocore.handlers

from lambda_wasm import outbound

# What one read of a request body takes.
_BODY_CHUNK = 64 << 10


def _unsigned(**_kwargs: Any) -> object:
    return botocore.UNSIGNED


def _send(request: botocore.awsrequest.AWSPreparedRequest, **_kwargs: Any) -> botocore.awsrequest.AWSResponse:
    url = urlsplit(request.url)
    path = url.path or "/"
    if url.query:
        path = f"{path}?{url.query}"
    headers = [(name, _header_bytes(value)) for name, value in request.headers.items()]
    try:
        response = outbound.send(request.method, url.scheme, url.netloc, path, headers, _body_chunks(request.body))
    except OSError as error:
        raise _botocore_error(error, request.url) from None
    return botocore.awsrequest.AWSResponse(request.url, response.status, _headers_dict(response.headers), _RawBody(response, request.url))


def _header_bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("latin-1")


def _headers_dict(headers: List[Tuple[str, bytes]]) -> dict:
    # One value per name, repeated ones joined, as urllib3 gives them to botocore.
    joined: dict = {}
    for name, value in headers:
        text = value.decode("latin-1")
        joined[name] = f"{joined[name]}, {text}" if name in joined else text
    return joined


def _body_chunks(body: Any) -> Iterator[bytes]:
    if body is None:
        return
    if isinstance(body, str):
        yield body.encode("utf-8")
    elif isinstance(body, (bytes, bytearray, memoryview)):
        yield bytes(body)
    elif hasattr(body, "read"):
        while chunk := body.read(_BODY_CHUNK):
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
    else:
        for chunk in body:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk


class _RawBody:
    """The response body as botocore reads urllib3's: ``stream``, ``read``, ``close``."""

    def __init__(self, response: outbound.Response, url: str) -> None:
        self._response = response
        self._url = url

    def read(self, amt: Optional[int] = None, decode_content: bool = True) -> bytes:
        try:
            return self._response.read(-1 if amt is None else amt)
        except OSError as error:
            raise _botocore_error(error, self._url) from None

    def stream(self, amt: int = _BODY_CHUNK, decode_content: bool = True) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk

    def close(self) -> None:
        self._response.close()

    def release_conn(self) -> None:
        self.close()


def _botocore_error(error: OSError, url: str) -> botocore.exceptions.BotoCoreError:
    """botocore's own error for a failed request, as it raises for a failed connection."""
    if isinstance(error, TimeoutError):
        return botocore.exceptions.ReadTimeoutError(endpoint_url=url, error=error)
    if isinstance(error, (ConnectionRefusedError, socket.gaierror)):
        return botocore.exceptions.EndpointConnectionError(endpoint_url=url, error=error)
    if isinstance(error, (ConnectionResetError, ConnectionAbortedError)):
        return botocore.exceptions.ConnectionClosedError(endpoint_url=url, error=error)
    import ssl  # the component's: lambda_wasm.tls

    if isinstance(error, ssl.SSLError):
        return botocore.exceptions.SSLError(endpoint_url=url, error=error)
    return botocore.exceptions.HTTPClientError(error=error)


def install() -> None:
    """Registers the hooks in every botocore session made from now on: first, so that no
    operation's own signer is chosen instead of none."""
    botocore.handlers.BUILTIN_HANDLERS.extend(
        [
            ("choose-signer", _unsigned, botocore.handlers.REGISTER_FIRST),
            ("before-send", _send),
        ]
    )
