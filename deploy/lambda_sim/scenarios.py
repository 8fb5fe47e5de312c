"""The scenario file: for each function (by logical id), the requests to send in order, each on one
of the function's API events, with the status it must answer and text its body must hold. A
request may save a field of a JSON answer (`save: {id: user.id}`) for later requests to use as
`${id}` in their path, query, headers or body.

A function with no API events of its own, a Lambda authorizer, is sent authorizer events as API
Gateway sends them instead (`authorizer:` a file of one, relative to the repository), and its
result is checked as it returned it: `contains` texts, or `error`, the error it must raise
(`Unauthorized` for a 401).

    UsersAuthorizerFunction:
      - authorizer: host/tests/fixtures/aws-samples/apigw-custom-auth-request-token.json
        contains: '"Effect":"Deny"'

    UsersFunction:
      - event: CreateUser
        method: POST
        path: /users
        headers: {content-type: application/json}
        body: '{"name": "Ada", "email": "ada@example.com"}'
        status: 201
        contains: User created successfully
        save: {id: user.id}
"""

import json
import string
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .apigateway import HttpRequest, HttpResponse

KEYS = {"event", "name", "method", "path", "query", "headers", "body", "status", "contains", "save"}
AUTHORIZER_KEYS = {"authorizer", "name", "contains", "error"}
# The repository, where an authorizer step's event file is.
ROOT = Path(__file__).resolve().parents[2]


class ScenarioError(Exception):
    """A scenario file that does not say what to send or expect."""


@dataclass
class Step:
    """One request and what its answer must be."""

    event: str
    name: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str | None
    status: int
    contains: list[str]
    save: dict[str, str] = field(default_factory=dict)

    # An authorizer event's file instead of a request, and the error expected instead of a result.
    authorizer: Path | None = None
    error: str | None = None

    def authorizer_check(self, error_type: str | None, result: str) -> str | None:
        """None when an authorizer's answer is the expected one; else what is wrong."""
        if self.error is not None:
            if error_type is None or self.error not in result:
                return f"expected the error {self.error!r}, got {error_type}: {result[:300]}"
            return None
        if error_type is not None:
            return f"failed with {error_type}: {result[:300]}"
        for wanted in self.contains:
            if wanted not in result:
                return f"the result does not hold {wanted!r}: {result[:300]}"
        return None

    def request(self, saved: dict[str, str]) -> HttpRequest:
        """The request, with saved values put in for `${name}`."""

        def fill(text: str) -> str:
            try:
                return string.Template(text).substitute(saved)
            except KeyError as missing:
                raise ScenarioError(f"{self.name}: no saved value {missing} yet") from None

        return HttpRequest(
            method=self.method,
            path=fill(self.path),
            query=[(name, fill(value)) for name, values in self.query.items() for value in values],
            headers=[(name, fill(value)) for name, value in self.headers.items()],
            body=None if self.body is None else fill(self.body).encode(),
        )

    def check(self, response: HttpResponse, saved: dict[str, str]) -> str | None:
        """None when `response` is the expected one; else what is wrong. Saves what it names."""
        text = response.text()
        if response.status != self.status:
            return f"status {response.status}, expected {self.status}: {text[:300]}"
        for wanted in self.contains:
            wanted = string.Template(wanted).safe_substitute(saved)
            if wanted not in text:
                return f"the body does not hold {wanted!r}: {text[:300]}"
        for name, dotted in self.save.items():
            value = _field(text, dotted)
            if value is None:
                return f"the body has no {dotted} to save as {name}: {text[:300]}"
            saved[name] = value
        return None


def load(path: Path) -> dict[str, list[Step]]:
    """Function logical id -> its steps."""
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict):
        raise ScenarioError(f"{path}: expected a mapping of function ids to lists of requests")
    return {function: [_step(path, function, item) for item in items or []] for function, items in document.items()}


def _step(path: Path, function: str, item) -> Step:
    where = f"{path}: {function}"
    if not isinstance(item, dict):
        raise ScenarioError(f"{where}: each request is a mapping")
    if "authorizer" in item:
        return _authorizer_step(where, item)
    unknown = set(item) - KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("event", "method", "path", "status"):
        if key not in item:
            raise ScenarioError(f"{where}: a request needs {key}")
    contains = item.get("contains", [])
    query = item.get("query") or {}
    return Step(
        event=str(item["event"]),
        name=str(item.get("name") or f"{item['method']} {item['path']}"),
        method=str(item["method"]).upper(),
        path=str(item["path"]),
        query={str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in query.items()},
        headers={str(k): str(v) for k, v in (item.get("headers") or {}).items()},
        body=None if item.get("body") is None else str(item["body"]),
        status=int(item["status"]),
        contains=[str(c) for c in (contains if isinstance(contains, list) else [contains])],
        save={str(k): str(v) for k, v in (item.get("save") or {}).items()},
    )


def _authorizer_step(where: str, item: dict) -> Step:
    unknown = set(item) - AUTHORIZER_KEYS
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)} for an authorizer event")
    event = ROOT / str(item["authorizer"])
    if not event.is_file():
        raise ScenarioError(f"{where}: no authorizer event {event}")
    contains = item.get("contains", [])
    return Step(
        event="",
        name=str(item.get("name") or f"authorizer event {event.name}"),
        method="",
        path="",
        query={},
        headers={},
        body=None,
        status=0,
        contains=[str(c) for c in (contains if isinstance(contains, list) else [contains])],
        authorizer=event,
        error=None if item.get("error") is None else str(item["error"]),
    )


def _field(text: str, dotted: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, str) else json.dumps(value)
