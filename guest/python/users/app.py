"""The seed's User Management API on DynamoDB, with boto3: GET /users, POST /users (201; 400 on
a missing field; 409 when the id is taken), GET /users/{userId} (404 when unknown), 404 for any
other route, and the seed's catch-all 500.

The table is the one USERS_TABLE names, read at module level as Lambda code does; the resource
is made once per execution environment and reused by every invocation. A user may choose its
id; otherwise it gets a UUID. The guest holds no credentials: the host signs for it.
"""

import base64
import json
import os
import uuid
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

TABLE = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE"])
HEADERS = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
# The most users GET /users lists, following DynamoDB's pages up to it.
LIST_CAP = 100


def lambda_handler(event, context):
    http = event.get("requestContext", {}).get("http", {})
    http_method = event.get("httpMethod") or http.get("method", "GET")
    path = event.get("path") or event.get("rawPath", "/")
    try:
        if http_method == "GET" and path == "/users":
            return get_users()
        if http_method == "POST" and path == "/users":
            return create_user(event)
        if http_method == "GET" and path.startswith("/users/"):
            return get_user(path.split("/")[-1])
        return error_response(404, "Route not found")
    except Exception as e:  # the seed's catch-all: a 500 that names the error
        return error_response(500, f"Internal server error: {str(e)}")


def get_users():
    users, scan = [], {}
    while len(users) < LIST_CAP:
        page = TABLE.scan(**scan)
        users.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        scan = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    users = sorted(users, key=lambda user: (user.get("created_at", ""), user["id"]))[:LIST_CAP]
    return response(200, {"users": users, "timestamp": now()})


def create_user(event):
    body = json.loads(request_body(event) or "{}")
    for field in ("name", "email"):
        if field not in body:
            return error_response(400, f"Missing required field: {field}")
    new_user = {
        "id": str(body.get("id") or uuid.uuid4()),
        "name": body["name"],
        "email": body["email"],
        "created_at": now(),
    }
    try:
        TABLE.put_item(Item=new_user, ConditionExpression="attribute_not_exists(id)")
    except ClientError as e:
        if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return error_response(409, f"User {new_user['id']} already exists")
        raise
    return response(201, {"message": "User created successfully", "user": new_user})


def get_user(user_id):
    user = TABLE.get_item(Key={"id": user_id}, ConsistentRead=True).get("Item")
    if not user:
        return error_response(404, f"User {user_id} not found")
    return response(200, {"user": user})


def response(status_code, body):
    return {"statusCode": status_code, "headers": HEADERS, "body": json.dumps(body)}


def error_response(status_code, message):
    return response(status_code, {"error": message, "timestamp": now()})


def now():
    return datetime.now(timezone.utc).isoformat()


def request_body(event):
    """The body as text; Function URLs and HTTP APIs base64-encode some."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return body
