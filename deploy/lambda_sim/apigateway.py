"""The events API Gateway sends a function for an HTTP request, built from AWS's own sample events
(host/tests/fixtures/aws-samples/): a REST API's (payload 1.0, `apigw-request.json`, an
edge-optimized API as SAM deploys by default) and an HTTP API's (payload 2.0,
`apigw-v2-request-no-authorizer.json`), each with the sample's request replaced by the one sent,
and a Function URL's (payload 2.0 on its own domain, route `$default`); and the HTTP response the
client gets for the function's answer, whole or streamed.
"""

import base64
import json
import secrets
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .template import FUNCTION_URL_EVENT, Route

SAMPLES = Path(__file__).resolve().parents[2] / "host" / "tests" / "fixtures" / "aws-samples"
REST_SAMPLE = "apigw-request.json"
HTTP_SAMPLE = "apigw-v2-request-no-authorizer.json"
# The headers of the REST sample that CloudFront and API Gateway add, kept in every REST event.
EDGE_HEADERS = ("cloudfront-", "via", "x-amz-cf-id", "x-forwarded-port", "x-forwarded-proto")
# What a client sends unless the scenario says otherwise (as curl does).
CLIENT_DEFAULTS = (("User-Agent", "lambda-sim"), ("Accept", "*/*"))
CLIENT_IP = "198.51.100.7"
# A streamed answer in this content type is a JSON prelude (status, headers, cookies), eight NUL
# bytes, then the body: what REST API streaming integrations and Function URLs read.
INTEGRATION_RESPONSE = "application/vnd.awslambda.http-integration-response"
PRELUDE_END = b"\0" * 8


@dataclass
class HttpRequest:
    """The request a client sends to the API."""

    method: str
    path: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None


@dataclass
class HttpResponse:
    """What the client gets back."""

    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Gateway:
    """The API's identity in the event: account, region, API id."""

    region: str
    account_id: str


def api_id(route: Route) -> str:
    """A 10-character API id, the same for every route of one API."""
    return uuid.uuid5(uuid.NAMESPACE_URL, route.api_id).hex[:10]


def event(route: Route, request: HttpRequest, gateway: Gateway, trace_root: str) -> dict:
    """The event API Gateway sends for `request` arriving on `route`."""
    if route.kind == "Api":
        return _rest_event(route, request, gateway, trace_root)
    return _http_event(route, request, gateway, trace_root)


def path_parameters(pattern: str, path: str) -> dict[str, str] | None:
    """The `{name}` and `{name+}` values of `path` under `pattern`; None when it does not match."""
    wanted = pattern.strip("/").split("/")
    given = path.strip("/").split("/")
    parameters = {}
    for index, segment in enumerate(wanted):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = given[index:]
            if not rest or rest == [""]:
                return None
            parameters[segment[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(given):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            if not given[index]:
                return None
            parameters[segment[1:-1]] = given[index]
        elif segment != given[index]:
            return None
    return parameters if len(given) == len(wanted) else None


def _client_headers(request: HttpRequest) -> list[tuple[str, str]]:
    given = {name.lower() for name, _ in request.headers}
    defaults = [(name, value) for name, value in CLIENT_DEFAULTS if name.lower() not in given]
    return defaults + list(request.headers)


def _sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def _arrival(gateway: Gateway, route: Route) -> tuple[str, float]:
    if route.kind == FUNCTION_URL_EVENT:
        return f"{url_id(route)}.lambda-url.{gateway.region}.on.aws", time.time()
    return f"{api_id(route)}.execute-api.{gateway.region}.amazonaws.com", time.time()


def url_id(route: Route) -> str:
    """A Function URL's 32-character id, the same for every request to one function."""
    return uuid.uuid5(uuid.NAMESPACE_URL, route.api_id).hex


def _rest_event(route: Route, request: HttpRequest, gateway: Gateway, trace_root: str) -> dict:
    sample = _sample(REST_SAMPLE)
    domain, now = _arrival(gateway, route)
    edge = [(name, value) for name, value in sample["headers"].items() if name.lower().startswith(EDGE_HEADERS)]
    headers = (
        [("Host", domain)]
        + _client_headers(request)
        + edge
        + [("X-Amzn-Trace-Id", trace_root), ("X-Forwarded-For", CLIENT_IP)]
    )
    query = request.query
    body, encoded = _rest_body(route, request)
    context = sample["requestContext"]
    identity = {key: None for key in context["identity"]}
    identity.update(sourceIp=CLIENT_IP, userAgent=_last(headers, "user-agent"))
    context.pop("authorizer", None)
    context.update(
        accountId=gateway.account_id,
        apiId=api_id(route),
        resourceId=secrets.token_hex(3),
        resourcePath=route.path,
        httpMethod=request.method,
        path=f"/{route.stage}{request.path}",
        stage=route.stage,
        domainName=domain,
        domainPrefix=api_id(route),
        requestId=str(uuid.uuid4()),
        extendedRequestId=base64.b64encode(secrets.token_bytes(10)).decode(),
        requestTime=time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        requestTimeEpoch=int(now * 1000),
        identity=identity,
    )
    sample.update(
        resource=route.path,
        path=request.path,
        httpMethod=request.method,
        headers=_single(headers),
        multiValueHeaders=_multi(headers),
        queryStringParameters=_single(query),
        multiValueQueryStringParameters=_multi(query),
        pathParameters=path_parameters(route.path, request.path) or None,
        stageVariables=None,
        requestContext=context,
        body=body,
        isBase64Encoded=encoded,
    )
    return sample


def _http_event(route: Route, request: HttpRequest, gateway: Gateway, trace_root: str) -> dict:
    sample = _sample(HTTP_SAMPLE)
    domain, now = _arrival(gateway, route)
    client = _client_headers(request)
    if request.body is not None:
        client.append(("content-length", str(len(request.body))))
    headers = (
        [("host", domain)]
        + [(name.lower(), value) for name, value in client if name.lower() != "cookie"]
        + [
            ("x-amzn-trace-id", trace_root),
            ("x-forwarded-for", CLIENT_IP),
            ("x-forwarded-port", "443"),
            ("x-forwarded-proto", "https"),
        ]
    )
    cookies = [
        cookie.strip() for name, value in client if name.lower() == "cookie" for cookie in value.split(";")
    ]
    function_url = route.kind == FUNCTION_URL_EVENT
    route_key = "$default" if function_url else f"{route.method} {route.path}"
    identifier = url_id(route) if function_url else api_id(route)
    raw_path = request.path if route.stage == "$default" else f"/{route.stage}{request.path}"
    context = sample["requestContext"]
    context.pop("authentication", None)
    context.update(
        accountId=gateway.account_id,
        apiId=identifier,
        domainName=domain,
        domainPrefix=identifier,
        http={
            "method": request.method,
            "path": urllib.parse.unquote(raw_path),
            "protocol": "HTTP/1.1",
            "sourceIp": CLIENT_IP,
            "userAgent": _last(client, "user-agent") or "",
        },
        requestId=base64.b64encode(secrets.token_bytes(10)).decode(),
        routeKey=route_key,
        stage=route.stage,
        time=time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        timeEpoch=int(now * 1000),
    )
    sample.update(
        routeKey=route_key,
        rawPath=urllib.parse.unquote(raw_path),
        rawQueryString=urllib.parse.urlencode(request.query),
        headers=_joined(headers),
        requestContext=context,
    )
    # An HTTP API leaves out what is empty rather than sending nulls.
    if cookies:
        sample["cookies"] = cookies
    if request.query:
        sample["queryStringParameters"] = _joined(request.query)
    parameters = None if function_url else path_parameters(route.path, request.path)
    if parameters:
        sample["pathParameters"] = {name: urllib.parse.unquote(value) for name, value in parameters.items()}
    body = request.body
    if body:
        try:
            sample["body"], sample["isBase64Encoded"] = body.decode("utf-8"), False
        except UnicodeDecodeError:
            sample["body"], sample["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        sample["isBase64Encoded"] = False
    return sample


def _rest_body(route: Route, request: HttpRequest) -> tuple[str | None, bool]:
    """A REST API base64-encodes a body whose Content-Type is one of its binary media types."""
    if not request.body:
        return None, False
    if media_type_matches(route.binary_media_types, _last(request.headers, "content-type")):
        return base64.b64encode(request.body).decode(), True
    return request.body.decode("utf-8", "replace"), False


def media_type_matches(listed: tuple[str, ...], media_type: str | None) -> bool:
    """Whether `media_type` is one of `listed` (which may hold `type/*` and `*/*`)."""
    if media_type is None:
        return False
    kind, _, subtype = media_type.split(";")[0].strip().lower().partition("/")
    for pattern in listed:
        pattern_kind, _, pattern_subtype = pattern.lower().partition("/")
        if pattern_kind == "*" and pattern_subtype == "*":
            return True
        if pattern_kind == kind and pattern_subtype in ("*", subtype):
            return True
    return False


def response(route: Route, payload: bytes, accept: str | None) -> HttpResponse:
    """The client's response for the function's answer, as API Gateway makes it."""
    bad_gateway = error_response()
    try:
        answer = json.loads(payload)
    except ValueError:
        return bad_gateway
    payload_v2 = route.kind in ("HttpApi", FUNCTION_URL_EVENT)
    if payload_v2 and not (isinstance(answer, dict) and "statusCode" in answer):
        # Payload 2.0 takes any JSON as a 200 with that JSON as the body.
        return HttpResponse(200, {"content-type": "application/json"}, payload)
    if not isinstance(answer, dict) or not isinstance(answer.get("statusCode"), int):
        return bad_gateway
    headers = {str(name).lower(): str(value) for name, value in (answer.get("headers") or {}).items()}
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers[str(name).lower()] = ", ".join(str(value) for value in values)
    body = answer.get("body") or ""
    if not isinstance(body, str):
        return bad_gateway
    if answer.get("isBase64Encoded"):
        # A REST API decodes only for an Accept among its binary media types; payload 2.0 always.
        first_accept = (accept or "*/*").split(",")[0]
        if payload_v2 or media_type_matches(route.binary_media_types, first_accept):
            try:
                return HttpResponse(answer["statusCode"], headers, base64.b64decode(body, validate=True))
            except ValueError:
                return bad_gateway
    return HttpResponse(answer["statusCode"], headers, body.encode())


def streamed_response(payload: bytes, content_type: str | None) -> HttpResponse:
    """The client's response for a streamed answer: the status, headers and cookies of its
    prelude, and the rest as the body; without the integration response's content type the
    whole stream is a 200's body."""
    if content_type != INTEGRATION_RESPONSE:
        return HttpResponse(200, {"content-type": content_type or "application/octet-stream"}, payload)
    prelude, found, body = payload.partition(PRELUDE_END)
    try:
        head = json.loads(prelude) if found else None
    except ValueError:
        head = None
    if not isinstance(head, dict) or not isinstance(head.get("statusCode", 200), int):
        return error_response()
    headers = {str(name).lower(): str(value) for name, value in (head.get("headers") or {}).items()}
    if head.get("cookies"):
        headers["set-cookie"] = ", ".join(str(cookie) for cookie in head["cookies"])
    return HttpResponse(head.get("statusCode", 200), headers, body)


def error_response() -> HttpResponse:
    """What the client gets when the function fails or answers what API Gateway cannot take."""
    return HttpResponse(502, {"content-type": "application/json"}, b'{"message":"Internal server error"}')


def _last(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in pairs if key.lower() == name]
    return values[-1] if values else None


def _single(pairs: list[tuple[str, str]]) -> dict | None:
    """`{name: last value}`, as a REST API fills its single-value maps; None when empty."""
    return {name: value for name, value in pairs} or None


def _multi(pairs: list[tuple[str, str]]) -> dict | None:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values or None


def _joined(pairs: list[tuple[str, str]]) -> dict:
    """`{name: "a,b"}`, as an HTTP API joins repeated headers and query parameters."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined

