"""The Runtime API's exchanges with a runtime, as Lambda answers them: the invocation with its
headers, 202 for an answer, 400 for an unknown or answered request id, 403 out of turn, 413 for a
response over 6 MiB (chunked or not), and the events the execution environment waits on."""

import http.client
import json
import threading

import pytest

from lambda_sim.runtime_api import MAX_PAYLOAD_BYTES, Answer, InitError, Invocation, Ready, RuntimeApi

PREFIX = "/2018-06-01/runtime"


@pytest.fixture
def api():
    api = RuntimeApi()
    yield api
    api.close()


def request(api, method, path, body=None, headers=None):
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, PREFIX + path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def next_invocation(api, invocation):
    """A runtime's `/next`, answered with `invocation`."""
    got = {}
    poll = threading.Thread(target=lambda: got.update(answer=request(api, "GET", "/invocation/next")))
    poll.start()
    assert isinstance(api.events.get(timeout=5), Ready)
    api.deliver(invocation)
    poll.join(timeout=5)
    return got["answer"]


INVOCATION = Invocation("req-1", b'{"path":"/"}', 1542409706888, "arn:aws:lambda:us-east-1:1:function:f", "Root=1-a")


def test_next_hands_out_the_event_with_lambdas_headers(api):
    status, headers, body = next_invocation(api, INVOCATION)
    assert status == 200 and body == b'{"path":"/"}'
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert headers["Lambda-Runtime-Deadline-Ms"] == "1542409706888"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == "arn:aws:lambda:us-east-1:1:function:f"
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-a"
    assert INVOCATION.sent_at is not None


def test_an_answer_is_accepted_once_and_only_for_the_current_request(api):
    next_invocation(api, INVOCATION)
    assert request(api, "POST", "/invocation/other/response", b"{}")[0] == 400
    status, _, body = request(api, "POST", "/invocation/req-1/response", b'{"statusCode":200}')
    assert (status, json.loads(body)) == (202, {"status": "OK"})
    answer = api.events.get(timeout=5)
    assert isinstance(answer, Answer) and answer.body == b'{"statusCode":200}' and answer.error_type is None
    status, _, body = request(api, "POST", "/invocation/req-1/error", b"{}")
    assert (status, json.loads(body)["errorType"]) == (400, "InvalidRequestID")


def test_an_error_carries_its_type(api):
    next_invocation(api, INVOCATION)
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.Panic"}
    assert request(api, "POST", "/invocation/req-1/error", b'{"errorMessage":"x"}', headers)[0] == 202
    answer = api.events.get(timeout=5)
    assert answer.error_type == "Runtime.Panic" and answer.body == b'{"errorMessage":"x"}'


def test_next_before_answering_and_init_error_after_init_are_out_of_turn(api):
    next_invocation(api, INVOCATION)
    status, _, body = request(api, "GET", "/invocation/next")
    assert (status, json.loads(body)["errorType"]) == (403, "InvalidStateTransition")
    assert request(api, "POST", "/init/error", b"{}")[0] == 403


def test_an_init_error_is_reported_during_init(api):
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.BadHandler"}
    assert request(api, "POST", "/init/error", b'{"errorMessage":"no handler"}', headers)[0] == 202
    error = api.events.get(timeout=5)
    assert isinstance(error, InitError) and error.error_type == "Runtime.BadHandler"


def test_a_response_over_6_mib_is_refused_and_fails_the_invocation(api):
    next_invocation(api, INVOCATION)
    status, _, body = request(api, "POST", "/invocation/req-1/response", b"x" * (MAX_PAYLOAD_BYTES + 1))
    assert (status, json.loads(body)["errorType"]) == (413, "RequestEntityTooLarge")
    answer = api.events.get(timeout=5)
    assert answer.error_type == "Function.ResponseSizeTooLarge"


def test_chunked_bodies_are_read_and_capped(api):
    next_invocation(api, INVOCATION)
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", PREFIX + "/invocation/req-1/response", body=iter([b'{"a":', b"1}"]),
                       encode_chunked=True)
    assert connection.getresponse().status == 202
    assert api.events.get(timeout=5).body == b'{"a":1}'
    next_invocation(api, Invocation("req-2", b"{}", 0, "arn", "Root=1-b"))
    chunks = iter([b"y" * (1024 * 1024)] * 7)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", PREFIX + "/invocation/req-2/response", body=chunks, encode_chunked=True)
    assert connection.getresponse().status == 413


def test_a_streamed_response_is_read_whole_and_an_error_in_its_trailers_fails_it(api):
    host, port = api.address.split(":")
    headers = {
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Content-Type": "application/vnd.awslambda.http-integration-response",
        "Trailer": "Lambda-Runtime-Function-Error-Type",
    }
    for request_id, trailer in (("req-1", b""), ("req-2", b"Lambda-Runtime-Function-Error-Type: Runtime.Timeout\r\n")):
        next_invocation(api, Invocation(request_id, b"{}", 0, "arn", "Root=1-a"))
        # Over 6 MiB: a stream may carry more than a buffered response.
        chunks = [b'{"statusCode":200}' + b"\0" * 8] + [b"z" * (1024 * 1024)] * 7
        wire = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n" + trailer + b"\r\n"
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.putrequest("POST", f"{PREFIX}/invocation/{request_id}/response")
        for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            connection.putheader(name, value)
        connection.endheaders(wire)
        assert connection.getresponse().status == 202
        answer = api.events.get(timeout=5)
        assert answer.streamed and answer.content_type == headers["Content-Type"]
        assert len(answer.body) == 18 + 8 + 7 * 1024 * 1024
        assert answer.error_type == (None if not trailer else "Runtime.Timeout")


def test_unknown_paths_are_404(api):
    assert request(api, "GET", "/nothing")[0] == 404
    assert request(api, "POST", "/invocation/req-1/nothing", b"{}")[0] == 404
