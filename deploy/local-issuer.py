#!/usr/bin/env python3
"""A local OpenID issuer for JWT authorizers under `bootstrap serve --template`: it serves its
discovery document and key set on 127.0.0.1, and mints RS256 tokens with a key it makes at start
(the `cryptography` package of the project's .venv, `make .venv/.tools`).

    .venv/bin/python deploy/local-issuer.py [--port 9000] [--audience local-app]

Then the issuer is http://127.0.0.1:9000 (plain HTTP on loopback is the one non-HTTPS issuer
`serve` accepts), and a token is one request away:

    curl -s 'http://127.0.0.1:9000/token?sub=ann&scope=read+write'

`/token` takes `sub`, `scope`, `aud` (default: --audience), `expires_in` (seconds, default
3600; negative for an expired token) and `kid` (default: the issuer's; another names no key).
"""

import argparse
import base64
import json
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

KEY_ID = "local-issuer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def integer(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class Issuer:
    def __init__(self, url: str, audience: str):
        self.url = url
        self.audience = audience
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        key = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KEY_ID, "n": integer(numbers.n), "e": integer(numbers.e)}
        return {"keys": [key]}

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def token(self, query: dict) -> str:
        now = int(time.time())
        first = lambda name, default: query.get(name, [default])[0]  # noqa: E731
        claims = {
            "iss": self.url,
            "sub": first("sub", "local-user"),
            "aud": first("aud", self.audience),
            "iat": now,
            "nbf": now,
            "exp": now + int(first("expires_in", "3600")),
            "jti": str(uuid.uuid4()),
        }
        scope = first("scope", "")
        if scope:
            claims["scope"] = scope
        header = {"alg": "RS256", "typ": "JWT", "kid": first("kid", KEY_ID)}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"


def serve(issuer: Issuer, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self.answer("application/json", json.dumps(issuer.discovery()))
            elif url.path == "/.well-known/jwks.json":
                self.answer("application/json", json.dumps(issuer.jwks()))
            elif url.path == "/token":
                self.answer("text/plain", issuer.token(parse_qs(url.query)) + "\n")
            else:
                self.send_error(404)

        def answer(self, content_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"issuer http://127.0.0.1:{server.server_address[1]} (audience {issuer.audience}); Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--audience", default="local-app")
    args = parser.parse_args()
    serve(Issuer(f"http://127.0.0.1:{args.port}", args.audience), args.port)


if __name__ == "__main__":
    main()
