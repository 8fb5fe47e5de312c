"""The request inspector: echoes the headers, query parameters and JSON body it got, with a
custom response header; logs what it saw."""

import base64
import json
import logging

logger = logging.getLogger()


def lambda_handler(event, context):
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    text = request_body(event)
    body = json.loads(text) if text else None
    method = event.get("httpMethod") or event["requestContext"]["http"]["method"]
    print(f"{method} with {len(headers)} headers")
    logger.warning("request %s", context.aws_request_id)
    return {
        "isBase64Encoded": False,
        "statusCode": 200,
        "headers": {"Your-custom-header": "custom-header-value", "Content-Type": "application/json"},
        "body": json.dumps(
            {
                "method": method,
                "headers": headers,
                "query": query,
                "body": body,
                "function": context.function_name,
            }
        ),
    }


def request_body(event):
    """The body as text; Function URLs and HTTP APIs base64-encode some."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return body
