"""The greeting of AWS's "Hello, World!" Lambda proxy integration tutorial, as written for
Lambda's Python runtime: `name` and `city` from the query string, `day` from the `day` header,
`time` from the JSON body."""

import json


def lambda_handler(event, context):
    query = event.get("queryStringParameters") or {}
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    name = query.get("name") or "you"
    city = query.get("city") or "World"
    day = headers.get("day")
    time = "day"
    if event.get("body"):
        body = json.loads(event["body"])
        time = body.get("time") or "day"
    greeting = f"Good {time}, {name} of {city}."
    if day:
        greeting += f" Happy {day}!"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"greeting": greeting}),
    }
