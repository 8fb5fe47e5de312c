"""The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as written for
Lambda's Python runtime: `name` and `city` from the query string, `day` from the `day` header,
`time` from the JSON body."""

import base64
import json


def lambda_handler(event, context):
    query = event.get("queryStringParameters") or {}
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    name = query.get("name") or "you"
    city = query.get("city") or "World"
    day = headers.get("day")
    time = "day"
    text = request_body(event)
    if text:
        body = json.loads(text)
        time = body.get("time") or "day"
    greeting = f"Good {time}, {name} of {city}."
    if day:
        greeting += f" Happy {day}!"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"greeting": greeting}),
    }


def request_body(event):
    """The body as text; Function URLs and HTTP APIs base64-encode some."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return body
