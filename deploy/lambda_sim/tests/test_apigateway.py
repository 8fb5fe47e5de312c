"""API Gateway's events for a request, built from AWS's samples, and its responses."""

import base64
import json

from lambda_sim.apigateway import (
    Gateway,
    HttpRequest,
    event,
    media_type_matches,
    path_parameters,
    response,
    streamed_response,
)
from lambda_sim.template import Route

GATEWAY = Gateway("eu-west-1", "123456789012")
REST = Route("GetUser", "Api", "/users/{userId}", "GET", "UsersApi", "prod", ("*/*",))
REST_BINARY = Route("Hello", "Api", "/hello", "POST", "UsersApi", "prod", ("*/*",))
REST_TEXT = Route("Hello", "Api", "/hello", "POST", "ServerlessRestApi", "Prod", ())
HTTP = Route("Hello", "HttpApi", "/hello/{proxy+}", "ANY", "ServerlessHttpApi", "$default")
URL = Route("FunctionUrl", "FunctionUrl", "/{proxy+}", "ANY", "Clock.FunctionUrl", "$default", streams=True)


def test_a_rest_api_event_has_the_request_in_the_samples_shape():
    request = HttpRequest(
        "GET", "/users/42", query=[("a", "1"), ("a", "2")], headers=[("day", "Thursday"), ("Day", "x")]
    )
    sent = event(REST, request, GATEWAY, "Root=1-abc")
    assert sent["resource"] == "/users/{userId}" and sent["path"] == "/users/42" and sent["httpMethod"] == "GET"
    assert sent["queryStringParameters"] == {"a": "2"}
    assert sent["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert sent["pathParameters"] == {"userId": "42"}
    assert sent["stageVariables"] is None
    assert sent["headers"]["day"] == "Thursday" and sent["multiValueHeaders"]["Day"] == ["x"]
    assert sent["headers"]["X-Amzn-Trace-Id"] == "Root=1-abc"
    assert sent["headers"]["Host"].endswith(".execute-api.eu-west-1.amazonaws.com")
    # The sample's edge-optimized API headers stay; its client's do not.
    assert sent["headers"]["CloudFront-Viewer-Country"] == "US" and "Postman-Token" not in sent["headers"]
    context = sent["requestContext"]
    assert context["path"] == "/prod/users/42" and context["stage"] == "prod"
    assert context["resourcePath"] == "/users/{userId}" and context["accountId"] == "123456789012"
    assert context["identity"]["sourceIp"] and context["identity"]["cognitoIdentityId"] is None
    assert "authorizer" not in context
    assert sent["body"] is None and sent["isBase64Encoded"] is False


def test_a_rest_api_base64_encodes_bodies_of_its_binary_media_types():
    body = b'{"time":"evening"}'
    json_request = HttpRequest("POST", "/hello", headers=[("Content-Type", "application/json")], body=body)
    binary = event(REST_BINARY, json_request, GATEWAY, "Root=1-a")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == body
    text = event(REST_TEXT, json_request, GATEWAY, "Root=1-a")
    assert text["isBase64Encoded"] is False and text["body"] == body.decode()
    assert media_type_matches(("image/*",), "image/png; q=1") and not media_type_matches(("image/*",), "text/plain")


def test_an_http_api_event_has_the_request_in_the_samples_shape():
    request = HttpRequest(
        "POST",
        "/hello/a%20b/c",
        query=[("name", "John"), ("name", "Ada")],
        headers=[("Day", "Thursday"), ("Cookie", "a=1; b=2")],
        body=b"\xff\x00",
    )
    sent = event(HTTP, request, GATEWAY, "Root=1-abc")
    assert sent["version"] == "2.0" and sent["routeKey"] == "ANY /hello/{proxy+}"
    assert sent["rawPath"] == "/hello/a b/c" and sent["rawQueryString"] == "name=John&name=Ada"
    assert sent["queryStringParameters"] == {"name": "John,Ada"}
    assert sent["pathParameters"] == {"proxy": "a b/c"}
    assert sent["cookies"] == ["a=1", "b=2"]
    assert sent["headers"]["day"] == "Thursday" and "cookie" not in sent["headers"]
    assert sent["headers"]["x-amzn-trace-id"] == "Root=1-abc"
    assert sent["isBase64Encoded"] is True and base64.b64decode(sent["body"]) == b"\xff\x00"
    context = sent["requestContext"]
    assert context["http"]["method"] == "POST" and context["stage"] == "$default"
    assert "authentication" not in context
    bare = event(HTTP, HttpRequest("GET", "/hello/x"), GATEWAY, "Root=1-abc")
    assert "body" not in bare and "queryStringParameters" not in bare and "cookies" not in bare


def test_path_parameters_follow_the_route_pattern():
    assert path_parameters("/users/{userId}", "/users/42") == {"userId": "42"}
    assert path_parameters("/users/{userId}", "/users") is None
    assert path_parameters("/a/{proxy+}", "/a/b/c") == {"proxy": "b/c"}
    assert path_parameters("/helloworld", "/helloworld") == {}


def test_responses_are_made_as_api_gateway_makes_them():
    answer = {"statusCode": 201, "headers": {"X-A": "1"}, "body": "created"}
    got = response(REST, json.dumps(answer).encode(), None)
    assert (got.status, got.headers["x-a"], got.body) == (201, "1", b"created")
    encoded = {"statusCode": 200, "body": base64.b64encode(b"\x89PNG").decode(), "isBase64Encoded": True}
    assert response(REST, json.dumps(encoded).encode(), "image/png").body == b"\x89PNG"
    assert response(REST_TEXT, json.dumps(encoded).encode(), "image/png").body == encoded["body"].encode()
    assert response(REST, b"not json", None).status == 502
    assert response(REST, b'{"body": "no status"}', None).status == 502
    # Payload 2.0 takes other JSON as a 200 with it as the body.
    assert (response(HTTP, b'{"a": 1}', None).status, response(HTTP, b'{"a": 1}', None).body) == (200, b'{"a": 1}')


def test_a_function_url_event_is_payload_2_on_its_own_domain():
    sent = event(URL, HttpRequest("GET", "/a/b", query=[("ticks", "3")]), GATEWAY, "Root=1-abc")
    context = sent["requestContext"]
    assert sent["routeKey"] == context["routeKey"] == "$default" and sent["rawPath"] == "/a/b"
    assert context["domainName"] == f"{context['apiId']}.lambda-url.eu-west-1.on.aws"
    assert len(context["apiId"]) == 32 and context["stage"] == "$default"
    assert "pathParameters" not in sent and sent["queryStringParameters"] == {"ticks": "3"}


def test_a_streamed_answer_is_its_preludes_head_and_the_rest_as_body():
    integration = "application/vnd.awslambda.http-integration-response"
    prelude = b'{"statusCode":201,"headers":{"Content-Type":"text/event-stream"},"cookies":["a=1"]}'
    got = streamed_response(prelude + b"\0" * 8 + b"data: 1\n\n", integration)
    assert (got.status, got.body) == (201, b"data: 1\n\n")
    assert got.headers == {"content-type": "text/event-stream", "set-cookie": "a=1"}
    # No prelude end, or a prelude that is not JSON: API Gateway cannot read it.
    assert streamed_response(prelude, integration).status == 502
    assert streamed_response(b"{" + b"\0" * 8, integration).status == 502
    # Another content type: the stream is the body.
    assert streamed_response(b"raw", "text/plain").body == b"raw"
