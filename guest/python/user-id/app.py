"""The path-parameter handler: the user named by `{id}`, or 400 when the path has none."""

import json


def handler(event, context):
    try:
        user_id = event["pathParameters"]["id"]
    except (KeyError, TypeError):
        return {"statusCode": 400, "body": json.dumps({"error": "User ID is missing in the path."})}
    user = {"userId": user_id, "name": "Alice", "email": "alice@example.com"}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(user),
    }
