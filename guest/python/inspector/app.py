"""The request inspector: echoes the headers, query parameters and JSON body it got and its
context, with a custom response header; prints and logs what it saw."""

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
                # The context as the handler sees it (the request id differs per invocation).
                "context": {
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "invoked_function_arn": context.invoked_function_arn,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "has_time_left": context.get_remaining_time_in_millis() > 0,
                },
            }
        ),
    }


def request_body(event):
    """The body as text; Function URLs and HTTP APIs base64-encode some."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return body
