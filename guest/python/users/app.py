"""The users API, in memory: GET /users, POST /users (201, 400 on a missing field),
GET /users/{id} (404 when unknown), 404 for any other route."""

import base64
import json

USERS = [
    {"id": 1, "name": "John Doe", "email": "john@example.com"},
    {"id": 2, "name": "Jane Smith", "email": "jane@example.com"},
]
HEADERS = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}


def response(status, body):
    return {"statusCode": status, "headers": HEADERS, "body": json.dumps(body)}


def error_response(status, message):
    return response(status, {"error": message})


def lambda_handler(event, context):
    http = event.get("requestContext", {}).get("http", {})
    method = event.get("httpMethod") or http.get("method", "GET")
    path = event.get("path") or event.get("rawPath", "/")
    try:
        if method == "GET" and path == "/users":
            return response(200, {"users": USERS})
        if method == "POST" and path == "/users":
            return create_user(event)
        if method == "GET" and path.startswith("/users/"):
            return get_user(path.split("/")[-1])
        return error_response(404, "Route not found")
    except Exception as error:  # the seed's catch-all: a 500 that names the error
        return error_response(500, f"Internal server error: {error}")


def create_user(event):
    body = json.loads(request_body(event) or "{}")
    for field in ("name", "email"):
        if field not in body:
            return error_response(400, f"Missing required field: {field}")
    user = {"id": len(USERS) + 1, "name": body["name"], "email": body["email"]}
    USERS.append(user)
    return response(201, {"message": "User created successfully", "user": user})


def get_user(user_id):
    for user in USERS:
        if str(user["id"]) == user_id:
            return response(200, user)
    return error_response(404, f"User {user_id} not found")


def request_body(event):
    """The body as text; Function URLs and HTTP APIs base64-encode some."""
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        return base64.b64decode(body).decode()
    return body
