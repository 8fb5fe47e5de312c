"""The HTTP clients over ``lambda_wasm.sockets`` under CPython: ``http.client``,
``urllib.request`` and urllib3 write to the socket, a fake host answers each request, and each
library reads the answer as from a server. The real host's side is tested through ``bootstrap``
(host/tests/python.rs)."""

import http.client
import io
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lambda_wasm import sockets  # noqa: E402


class FakeResponse:
    def __init__(self, status, headers, body):
        self.status, self.headers = status, headers
        self._body = io.BytesIO(body)
        self.closed = False

    def read(self, amount=-1):
        return self._body.read(amount)

    def close(self):
        self.closed = True


class FakeHost:
    """Records each request the sockets send, and answers with the next response."""

    def __init__(self, *responses):
        self.requests = []
        self.responses = list(responses)

    def __call__(self, method, scheme, authority, path, headers, body, timeout):
        self.requests.append({"method": method, "scheme": scheme, "authority": authority, "path": path, "headers": dict(headers), "body": b"".join(body), "timeout": timeout})
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response


@pytest.fixture
def host(monkeypatch):
    fake = FakeHost()
    monkeypatch.setattr(socket, "socket", sockets.HttpSocket)
    monkeypatch.setattr(socket, "getaddrinfo", sockets.getaddrinfo)
    monkeypatch.setattr(sockets.HttpSocket, "exchange", staticmethod(fake))
    return fake


def test_urlopen_gets_a_body_and_headers_through_the_host(host):
    host.responses.append(FakeResponse(200, [("content-type", b"application/json"), ("content-length", b"11")], b'{"ok": true}'[:11]))
    with urllib.request.urlopen("http://api.example.com:8080/items?id=7", timeout=4) as response:
        assert (response.status, response.reason) == (200, "OK")
        assert response.headers["Content-Type"] == "application/json"
        assert response.read() == b'{"ok": true'
    [sent] = host.requests
    assert (sent["method"], sent["scheme"], sent["authority"], sent["path"]) == ("GET", "http", "api.example.com:8080", "/items?id=7")
    assert sent["timeout"] == 4 and sent["body"] == b""


def test_urlopen_posts_its_body_and_headers(host):
    host.responses.append(FakeResponse(201, [], b"created"))
    request = urllib.request.Request("http://api.example.com/items", data=b'{"name": "x"}', headers={"X-Api-Key": "k"}, method="POST")
    assert urllib.request.urlopen(request).read() == b"created"
    [sent] = host.requests
    assert sent["method"] == "POST" and sent["body"] == b'{"name": "x"}'
    assert sent["headers"]["x-api-key"] == b"k" and sent["headers"]["content-length"] == b"13"


def test_a_4xx_or_5xx_is_urllibs_http_error_with_the_standard_reason(host):
    host.responses.append(FakeResponse(404, [("content-type", b"text/plain")], b"no such item"))
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen("http://api.example.com/missing")
    assert (raised.value.code, raised.value.reason) == (404, "Not Found")
    assert raised.value.read() == b"no such item"


def test_a_refused_request_is_urllibs_url_error_naming_the_reason(host):
    host.responses.append(ConnectionRefusedError(111, "the host refused the request: its destination is not on the function's allowlist"))
    with pytest.raises(urllib.error.URLError) as raised:
        urllib.request.urlopen("http://elsewhere.example.com/")
    assert isinstance(raised.value.reason, ConnectionRefusedError)
    assert "allowlist" in str(raised.value)


def test_a_body_of_unknown_length_reaches_the_host_whole(host):
    host.responses.append(FakeResponse(200, [], b"done"))
    connection = http.client.HTTPConnection("api.example.com")
    connection.request("PUT", "/upload", body=iter([b"part one, ", b"part two"]), encode_chunked=True)
    assert connection.getresponse().read() == b"done"
    assert host.requests[0]["body"] == b"part one, part two"


def test_a_long_body_streams_to_the_client_in_order(host):
    payload = bytes(range(256)) * 1024
    host.responses.append(FakeResponse(200, [], payload))
    assert urllib.request.urlopen("http://api.example.com/big").read() == payload


def test_urllib3_reuses_no_connection_and_reads_each_response(host):
    urllib3 = pytest.importorskip("urllib3")
    host.responses.extend([FakeResponse(200, [], b"first"), FakeResponse(200, [("content-length", b"6")], b"second")])
    pool = urllib3.PoolManager()
    assert pool.request("GET", "http://api.example.com/1").data == b"first"
    assert pool.request("GET", "http://api.example.com/2").data == b"second"
    assert [request["path"] for request in host.requests] == ["/1", "/2"]


def test_a_request_that_is_not_http_is_refused_by_the_socket(host):
    connection = socket.create_connection(("api.example.com", 80))
    with pytest.raises(OSError, match="not valid HTTP/1.1"):
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    assert host.requests == []
