"""The request inspector: echoes the headers, query parameters and JSON body it got, with a
custom response header; logs what it saw."""

import json
import logging

logger = logging.getLogger()


def lambda_handler(event, context):
    headers = event.get("headers") or {}
    query = event.get("queryStringParameters") or {}
    body = json.loads(event["body"]) if event.get("body") else None
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
