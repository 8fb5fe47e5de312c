//! Authorizers at the local gateway: the real `bootstrap serve --template` on
//! fixtures/auth-template.yaml, called with a real HTTP client. JWT tokens are minted here
//! (RS256, the keys of fixtures/jwt/) and checked against an issuer whose discovery document and
//! key set this test serves on loopback; the Lambda authorizers are components, one in Python
//! (guest/python/authorizer, `make python-examples`) and one in Rust (guest/users-authorizer).

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_wasm_host::serve::auth::ring_jwt;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use common::server::{Answer, Server};

const AUDIENCE: &str = "local-app";

/// An OpenID issuer on loopback: `/.well-known/openid-configuration` and `/jwks`, counting
/// the key set's fetches.
struct Issuer {
    url: String,
    jwks_fetches: Arc<AtomicUsize>,
}

impl Issuer {
    async fn start() -> Self {
        ring_jwt::install();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let url = format!("http://{address}");
        let mut jwk = Jwk::from_encoding_key(&issuer_key(), Algorithm::RS256).unwrap();
        jwk.common.key_id = Some("issuer-key".to_owned());
        let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] }).unwrap();
        let discovery = json!({ "issuer": url, "jwks_uri": format!("{url}/jwks") }).to_string();
        let jwks_fetches = Arc::new(AtomicUsize::new(0));
        let fetches = jwks_fetches.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (jwks, discovery, fetches) = (jwks.clone(), discovery.clone(), fetches.clone());
                let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
                    let body = match request.uri().path() {
                        "/.well-known/openid-configuration" => discovery.clone(),
                        "/jwks" => {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            jwks.clone()
                        }
                        _ => String::new(),
                    };
                    async move {
                        Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
                    }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        Self { url, jwks_fetches }
    }

    /// A token with `claims` over the valid defaults, signed with `key` under `kid`.
    fn token(&self, claims: Value, key: &EncodingKey, kid: &str) -> String {
        let now = jsonwebtoken::get_current_timestamp();
        let mut all = json!({
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": "user-42",
            "iat": now - 10,
            "nbf": now - 10,
            "exp": now + 600,
            "scope": "read write",
            "cognito:groups": ["admins", "users"],
        });
        for (name, value) in claims.as_object().unwrap() {
            if value.is_null() {
                all.as_object_mut().unwrap().remove(name);
            } else {
                all[name] = value.clone();
            }
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &all, key).unwrap()
    }

    fn good(&self, claims: Value) -> String {
        self.token(claims, &issuer_key(), "issuer-key")
    }
}

fn issuer_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&common::read_fixture("jwt/issuer-key.pem")).unwrap()
}

fn other_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&common::read_fixture("jwt/other-key.pem")).unwrap()
}

/// The template's server, its components built: the inspector, the Rust authorizer, and the
/// Python authorizer precompiled into `dir`.
fn serve(issuer: &str, dir: &std::path::Path) -> Server {
    let template = common::fixture("auth-template.yaml");
    let inspector = format!("Inspector={}", common::component("inspector").display());
    let keys = format!(
        "KeysAuthorizer={}",
        common::component("users-authorizer").display()
    );
    let python = format!(
        "PythonAuthorizer={}",
        common::python_component("authorizer", dir).display()
    );
    let parameter = format!("Issuer={issuer}");
    Server::start_template(
        &[
            "--template",
            template.to_str().unwrap(),
            "--component",
            &inspector,
            "--component",
            &keys,
            "--component",
            &python,
            "--parameter",
            &parameter,
        ],
        &[("NO_COLOR", "1")],
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn get(server: &Server, api: &str, path: &str, authorization: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = authorization
        .map(|value| ("authorization", value))
        .into_iter()
        .collect();
    server.send_to(api, "GET", path, &headers).await
}

/// The integration's answer: the request went through.
fn assert_ok(answer: &Answer) {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.headers["x-inspected-by"], "inspector");
}

fn assert_refused(answer: &Answer, status: u16, body: Value, case: &str) {
    assert_eq!(
        answer.status,
        status,
        "{case}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.json(), body, "{case}");
    assert!(
        answer.headers.get("x-inspected-by").is_none(),
        "{case}: the integration ran"
    );
}

#[tokio::test]
async fn jwt_authorizer_checks_tokens_as_api_gateway_does() {
    let issuer = Issuer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let server = serve(&issuer.url, dir.path());
    let now = jsonwebtoken::get_current_timestamp();
    let unauthorized = json!({ "message": "Unauthorized" });

    let good = issuer.good(json!({}));
    let answer = get(&server, "JwtApi", "/me", Some(&bearer(&good))).await;
    assert_ok(&answer);
    let jwt = &answer.json()["context"]["authorizer"]["jwt"];
    assert_eq!(jwt["claims"]["sub"], "user-42");
    assert_eq!(jwt["claims"]["iss"], issuer.url.as_str());
    assert_eq!(
        jwt["claims"]["exp"],
        (now + 600).to_string(),
        "claims reach the integration as text"
    );
    assert_eq!(jwt["claims"]["cognito:groups"], "[admins users]");
    assert_eq!(jwt["scopes"], json!(["read", "write"]));
    // Without `Bearer `, and with `client_id` where `aud` is missing.
    let client_id = issuer.good(json!({ "aud": null, "client_id": AUDIENCE }));
    assert_eq!(
        get(&server, "JwtApi", "/me", Some(&client_id)).await.status,
        200
    );
    // Payload format 1.0 puts the claims in `requestContext.authorizer` itself.
    let v1 = get(&server, "JwtApi", "/v1/me", Some(&bearer(&good)))
        .await
        .json();
    assert_eq!(v1["context"]["authorizer"]["claims"]["sub"], "user-42");

    let refused = [
        ("no token", None),
        ("garbage", Some("Bearer not.a.jwt".to_owned())),
        ("expired", Some(issuer.good(json!({ "exp": now - 5 })))),
        (
            "not yet valid",
            Some(issuer.good(json!({ "nbf": now + 300 }))),
        ),
        (
            "issued in the future",
            Some(issuer.good(json!({ "iat": now + 300 }))),
        ),
        (
            "wrong audience",
            Some(issuer.good(json!({ "aud": "someone-else" }))),
        ),
        (
            "aud wins over client_id",
            Some(issuer.good(json!({ "aud": "x", "client_id": AUDIENCE }))),
        ),
        (
            "wrong issuer",
            Some(issuer.good(json!({ "iss": "https://evil.example.com" }))),
        ),
        ("no expiry", Some(issuer.good(json!({ "exp": null })))),
        (
            "another key's signature",
            Some(issuer.token(json!({}), &other_key(), "issuer-key")),
        ),
        (
            "unknown kid",
            Some(issuer.token(json!({}), &issuer_key(), "rotated-away")),
        ),
        ("alg none", Some(unsigned(&good))),
        ("HS256 with the key id", Some(hs256(&good))),
    ];
    for (case, token) in refused {
        let answer = get(
            &server,
            "JwtApi",
            "/me",
            token.map(|token| bearer(&token)).as_deref(),
        )
        .await;
        assert_refused(&answer, 401, unauthorized.clone(), case);
        let challenge = answer.headers["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("invalid_token"), "{case}: {challenge}");
    }

    // A route's scopes: the token needs one of them.
    let answer = get(&server, "JwtApi", "/admin", Some(&bearer(&good))).await;
    assert_refused(
        &answer,
        403,
        json!({ "message": "Forbidden" }),
        "missing scope",
    );
    let admin = issuer.good(json!({ "scope": null, "scp": ["admin"] }));
    assert_eq!(
        get(&server, "JwtApi", "/admin", Some(&bearer(&admin)))
            .await
            .status,
        200
    );
    // `Auth.Authorizer: NONE`.
    assert_eq!(get(&server, "JwtApi", "/public", None).await.status, 200);

    // The key set was fetched once, at the first token: the rest came from the cache, and the
    // unknown kid came too soon after that fetch to fetch again.
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 1);
}

/// `token` re-signed with `alg: none` and no signature.
fn unsigned(token: &str) -> String {
    use base64::Engine as _;
    let claims = token.split('.').nth(1).unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"alg":"none","kid":"issuer-key"}"#);
    format!("{header}.{claims}.")
}

/// `token`'s claims with an HMAC header: the RSA public key must never serve as an HMAC secret.
fn hs256(token: &str) -> String {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (_, claims, signature) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"alg":"HS256","kid":"issuer-key"}"#);
    format!("{header}.{claims}.{signature}")
}

#[tokio::test]
async fn rest_api_lambda_authorizers_answer_and_pass_their_context() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve("https://issuer.example.com", dir.path());

    // TOKEN (Python): its context and principal reach the integration.
    let answer = get(&server, "TokenApi", "/things/7", Some("Bearer allow")).await;
    assert_ok(&answer);
    let authorizer = &answer.json()["context"]["authorizer"];
    assert_eq!(authorizer["principalId"], "user");
    assert_eq!(authorizer["caller"], "allow");
    assert_eq!(authorizer["numberKey"], 1);
    assert_eq!(authorizer["authorizer"], "python");
    assert!(authorizer["integrationLatency"].is_u64(), "{authorizer}");
    // The same token again within the TTL: the cached policy answers, for the ARN it names
    // only (API Gateway's well-known surprise with per-method policies and caching).
    assert_eq!(
        get(&server, "TokenApi", "/things/7", Some("Bearer allow"))
            .await
            .status,
        200
    );
    server.wait_for_log("the cached decision answers").await;
    let other = get(&server, "TokenApi", "/things/8", Some("Bearer allow")).await;
    assert_refused(
        &other,
        403,
        json!({ "Message": "User is not authorized to access this resource" }),
        "the cached policy names another method ARN",
    );

    let cases = [
        ("no token", None, 401, json!({ "message": "Unauthorized" })),
        (
            "fails the ValidationExpression",
            Some("Bearer NOT-LOWER"),
            401,
            json!({ "message": "Unauthorized" }),
        ),
        (
            "raises Unauthorized",
            Some("unauthorized"),
            401,
            json!({ "message": "Unauthorized" }),
        ),
        (
            "an explicit deny",
            Some("deny"),
            403,
            json!({ "Message": "User is not authorized to access this resource with an explicit deny" }),
        ),
        (
            "raises another error",
            Some("boom"),
            500,
            json!({ "message": null }),
        ),
    ];
    for (case, token, status, body) in cases {
        let answer = get(&server, "TokenApi", "/things/7", token).await;
        assert_refused(&answer, status, body, case);
    }
    let failed = get(&server, "TokenApi", "/things/7", Some("boom")).await;
    assert_eq!(
        failed.headers["x-amzn-errortype"],
        "AuthorizerConfigurationException"
    );
    // No token and a token the ValidationExpression refuses never reach the function; errors
    // are not cached.
    let log = server.wait_for_log_count("authorizer invocation", 5).await;
    assert_eq!(
        log.matches("authorizer invocation").count(),
        5,
        "allow once (then cached), unauthorized, deny, boom twice:\n{log}"
    );

    // REQUEST (Rust, TTL 0): each request asks the function.
    for _ in 0..2 {
        let answer = server
            .send_to(
                "TokenApi",
                "POST",
                "/keys",
                &[("authorization", "Bearer k-ann")],
            )
            .await;
        assert_ok(&answer);
        let authorizer = &answer.json()["context"]["authorizer"];
        assert_eq!(authorizer["principalId"], "ann");
        assert_eq!(authorizer["user"], "ann");
    }
    let answer = server
        .send_to(
            "TokenApi",
            "POST",
            "/keys",
            &[("authorization", "Bearer k-eve")],
        )
        .await;
    assert_refused(
        &answer,
        403,
        json!({ "Message": "User is not authorized to access this resource with an explicit deny" }),
        "unknown key",
    );
    let log = server.wait_for_log_count("authorizer invocation", 8).await;
    assert_eq!(log.matches("authorizer invocation").count(), 8, "{log}");
    assert_eq!(
        get(&server, "TokenApi", "/open", None).await.status,
        200,
        "Authorizer: NONE"
    );
}

#[tokio::test]
async fn http_api_lambda_authorizers_in_both_payload_formats() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve("https://issuer.example.com", dir.path());

    // 2.0, simple responses (Python).
    let answer = get(&server, "LambdaHttpApi", "/simple", Some("allow")).await;
    assert_ok(&answer);
    let lambda = &answer.json()["context"]["authorizer"]["lambda"];
    assert_eq!(lambda["caller"], "allow");
    assert_eq!(lambda["booleanKey"], true);
    let answer = get(&server, "LambdaHttpApi", "/simple", Some("deny")).await;
    assert_refused(
        &answer,
        403,
        json!({ "message": "Forbidden" }),
        "isAuthorized false",
    );
    let answer = get(&server, "LambdaHttpApi", "/simple", None).await;
    assert_refused(
        &answer,
        401,
        json!({ "message": "Unauthorized" }),
        "no identity source",
    );
    let answer = get(&server, "LambdaHttpApi", "/simple", Some("boom")).await;
    assert_refused(
        &answer,
        500,
        json!({ "message": "Internal Server Error" }),
        "an error",
    );

    // 2.0, IAM policy (Rust).
    let answer = get(&server, "LambdaHttpApi", "/iam", Some("Bearer k-bob")).await;
    assert_ok(&answer);
    assert_eq!(
        answer.json()["context"]["authorizer"]["lambda"]["user"],
        "bob"
    );
    let answer = get(&server, "LambdaHttpApi", "/iam", Some("Bearer k-eve")).await;
    assert_refused(&answer, 403, json!({ "message": "Forbidden" }), "a deny");

    // 1.0 (Python, an IAM policy for the route's ARN).
    let answer = get(&server, "LambdaHttpApi", "/v1", Some("allow")).await;
    assert_ok(&answer);
    assert_eq!(
        answer.json()["context"]["authorizer"]["lambda"]["caller"],
        "allow"
    );
    let answer = get(&server, "LambdaHttpApi", "/v1", Some("deny")).await;
    assert_refused(
        &answer,
        403,
        json!({ "message": "Forbidden" }),
        "a 1.0 deny",
    );
}

#[tokio::test]
async fn each_api_is_served_on_its_own_port_and_api_picks_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve("https://issuer.example.com", dir.path());
    let ids: Vec<&str> = server.apis.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["JwtApi", "LambdaHttpApi", "TokenApi"]);
    let ports: std::collections::HashSet<&str> =
        server.apis.iter().map(|(_, base)| base.as_str()).collect();
    assert_eq!(ports.len(), 3);
    // The REST API answers its unmatched paths as a REST API does.
    let answer = get(&server, "TokenApi", "/nowhere", None).await;
    assert_refused(
        &answer,
        403,
        json!({ "message": "Missing Authentication Token" }),
        "no route",
    );

    let template = common::fixture("auth-template.yaml");
    let inspector = format!("Inspector={}", common::component("inspector").display());
    let one = Server::start_template(
        &[
            "--template",
            template.to_str().unwrap(),
            "--api",
            "JwtApi",
            "--component",
            &inspector,
        ],
        &[],
    );
    assert_eq!(one.apis.len(), 1);
    assert_eq!(one.apis[0].0, "JwtApi");
    let answer = one.send_to("JwtApi", "GET", "/public", &[]).await;
    assert_eq!(answer.json()["context"]["route"], "GET /public");
    assert_eq!(answer.json()["invocation"]["functionName"], "Inspector");
}

#[test]
fn a_template_that_cannot_be_served_is_an_error_naming_why() {
    let template = common::fixture("auth-template.yaml");
    let run = |args: &[&str]| {
        let output = common::bootstrap()
            .args([
                "serve",
                "--port",
                "0",
                "--template",
                template.to_str().unwrap(),
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let error = run(&["--api", "Nope"]);
    assert!(
        error.contains("no API Nope") && error.contains("TokenApi"),
        "{error}"
    );
    let error = run(&["--api", "JwtApi"]);
    assert!(
        error.contains("no component for Inspector")
            && error.contains("--component Inspector=PATH"),
        "{error}"
    );
    let error = run(&["--component", "Missing=x.wasm"]);
    assert!(error.contains("no function Missing"), "{error}");
    let error = run(&[
        "--parameter",
        "Issuer=http://issuer.example.com",
        "--api",
        "JwtApi",
    ]);
    assert!(error.contains("https"), "{error}");
}
