"""An API Gateway Lambda authorizer written for Lambda's Python runtime, after AWS's example
("Use API Gateway Lambda authorizers"): the caller's token decides.

- ``allow``: the request goes through, with a context the integration sees;
- ``deny``: an explicit deny (API Gateway answers 403);
- ``unauthorized``: ``Unauthorized`` is raised (401);
- anything else: an error (500).

The token is a TOKEN event's ``authorizationToken``, else the ``Authorization`` header (a
``Bearer `` prefix is dropped). A REST API or HTTP API payload 1.0 event gets an IAM policy for
its ``methodArn``; a payload 2.0 event gets a simple response (``isAuthorized``).
"""


def lambda_handler(event, context):
    token = _token(event)
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token not in ("allow", "deny"):
        raise Exception("Error: Invalid token")
    allowed = token == "allow"
    shared = {"caller": token, "numberKey": 1, "booleanKey": True}
    if event.get("version") == "2.0":
        return {"isAuthorized": allowed, "context": dict(shared, authorizer="python")}
    return {
        "principalId": "user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": dict(shared, authorizer="python"),
    }


def _token(event):
    if event.get("type") == "TOKEN":
        token = event.get("authorizationToken") or ""
    else:
        headers = event.get("headers") or {}
        token = next((value for name, value in headers.items() if name.lower() == "authorization"), "")
    return token[len("Bearer "):] if token.startswith("Bearer ") else token
