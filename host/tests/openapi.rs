//! APIs defined by OpenAPI documents at the local gateway: the real `bootstrap serve --template`
//! on fixtures/openapi-template.yaml, called with a real HTTP client. The routes come from each
//! API's `DefinitionBody` or `DefinitionUri` and from the functions' events; a REST API's request
//! validators answer with API Gateway's 400s before the function runs; an HTTP API's routes get
//! the payload format version their integration names. The integration is the inspector, which
//! shows the event it gets.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use serde_json::{Value, json};

use common::server::{Answer, Server};

fn serve() -> Server {
    let template = common::fixture("openapi-template.yaml");
    let inspector = format!("Inspector={}", common::component("inspector").display());
    Server::start_template(
        &[
            "--template",
            template.to_str().unwrap(),
            "--component",
            &inspector,
        ],
        &[("NO_COLOR", "1")],
    )
}

/// The inspector's report: the request reached the function.
fn inspected(answer: &Answer, case: &str) -> Value {
    assert_eq!(
        answer.status,
        200,
        "{case}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.headers["x-inspected-by"], "inspector", "{case}");
    answer.json()
}

/// The gateway's 400 with `message`: the function did not run.
fn refused(answer: &Answer, message: &str, case: &str) {
    assert_eq!(
        answer.status,
        400,
        "{case}: {}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.json(), json!({ "message": message }), "{case}");
    assert!(
        answer.headers.get("x-inspected-by").is_none(),
        "{case}: the function ran"
    );
    assert_eq!(
        answer.headers["x-amzn-errortype"], "BadRequestException",
        "{case}"
    );
}

#[tokio::test]
async fn a_rest_api_validates_requests_as_its_definition_says() {
    let server = serve();
    let post = |body: &'static str, headers: &'static [(&'static str, &'static str)]| {
        let server = &server;
        async move {
            server
                .send_body_to("ValidatedApi", "POST", "/users", headers, body.as_bytes())
                .await
        }
    };
    const JSON: &[(&str, &str)] = &[("content-type", "application/json")];
    let good = post(r#"{"name":"Ann","email":"ann@example.com"}"#, JSON).await;
    let report = inspected(&good, "a valid body");
    assert_eq!(report["json"]["email"], "ann@example.com");
    assert_eq!(report["context"]["source"], "rest-api");
    assert_eq!(report["context"]["route"], "/users");
    assert_eq!(report["context"]["stage"], "prod");
    let invalid = [
        ("email missing", r#"{"name":"Ann"}"#),
        (
            "email not matching its $ref'd schema",
            r#"{"name":"Ann","email":"ann"}"#,
        ),
        ("name empty", r#"{"name":"","email":"ann@example.com"}"#),
        ("not an object", "[]"),
        ("not JSON", "{"),
        ("empty", ""),
    ];
    for (case, body) in invalid {
        refused(&post(body, JSON).await, "Invalid request body", case);
    }
    // No content type: API Gateway takes application/json's model.
    refused(
        &post(r#"{"name":"Ann"}"#, &[]).await,
        "Invalid request body",
        "no content type",
    );
    // A content type without a model is not checked.
    let text = post("plain words", &[("content-type", "text/plain")]).await;
    inspected(&text, "text/plain has no model");
    // The log says why.
    server
        .wait_for_log("\"email\" is a required property")
        .await;

    // Parameters: present and not blank; the body is not checked by `params-only`.
    let items = |query: &'static str, trace: Option<&'static str>| {
        let server = &server;
        async move {
            let headers: Vec<(&str, &str)> = trace.map(|t| ("x-trace", t)).into_iter().collect();
            server
                .send_to("ValidatedApi", "GET", &format!("/items/7{query}"), &headers)
                .await
        }
    };
    let report = inspected(&items("?q=cat", Some("t-1")).await, "all parameters");
    assert_eq!(report["pathParameters"], json!([["id", "7"]]));
    refused(
        &items("", None).await,
        "Missing required request parameters: [q, X-Trace]",
        "query and header missing",
    );
    refused(
        &items("?q=&other=1", Some("t-1")).await,
        "Missing required request parameters: [q]",
        "query blank",
    );
    refused(
        &items("?q=cat", Some(" ")).await,
        "Missing required request parameters: [X-Trace]",
        "header blank",
    );

    // Greedy path and any method, without a validator's parameters to check.
    let any = server
        .send_body_to("ValidatedApi", "DELETE", "/files/a/b.txt", &[], b"")
        .await;
    let report = inspected(&any, "any method on a greedy path");
    assert_eq!(report["method"], "DELETE");
    assert_eq!(report["pathParameters"], json!([["proxy", "a/b.txt"]]));
    assert_eq!(report["context"]["route"], "/files/{proxy+}");
    // The function's event, merged in by MergeDefinitions.
    let health = server.send_to("ValidatedApi", "GET", "/health", &[]).await;
    inspected(&health, "an event's route merged into the definition");
    // Not in the definition: API Gateway's 403 for a missing resource.
    let missing = server.send_to("ValidatedApi", "GET", "/nope", &[]).await;
    assert_eq!(missing.status, 403);
}

#[tokio::test]
async fn an_http_api_sends_each_route_its_payload_format_version() {
    let server = serve();
    // Payload format 2.0 moves the Cookie header into `cookies`; 1.0 keeps it among the headers.
    let cookie_header = |report: &Value| {
        report["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair[0] == "cookie")
    };
    let cookie = [("cookie", "a=1")];
    let v1 = server
        .send_to("DefinedHttpApi", "GET", "/v1/things/9?x=1", &cookie)
        .await;
    let report = inspected(&v1, "payloadFormatVersion 1.0");
    assert!(cookie_header(&report), "1.0: {report:#}");
    assert_eq!(report["pathParameters"], json!([["id", "9"]]));
    assert_eq!(report["context"]["route"], "GET /v1/things/{id}");
    let v2 = server
        .send_body_to("DefinedHttpApi", "PATCH", "/v2/deep/path", &cookie, b"{}")
        .await;
    let report = inspected(&v2, "payloadFormatVersion 2.0 on any method");
    assert!(!cookie_header(&report), "2.0: {report:#}");
    assert_eq!(report["cookies"], json!(["a=1"]));
    assert_eq!(report["context"]["route"], "ANY /v2/{proxy+}");
    assert_eq!(report["pathParameters"], json!([["proxy", "deep/path"]]));
    // An operation without an integration takes the event's.
    let from_event = server
        .send_to("DefinedHttpApi", "GET", "/from-event", &[])
        .await;
    let report = inspected(&from_event, "an event's integration");
    assert_eq!(report["context"]["route"], "GET /from-event");
    // A DefinitionUri file, on its own port and stage.
    let file = server.send_to("FileApi", "GET", "/hello", &[]).await;
    let report = inspected(&file, "a DefinitionUri file");
    assert_eq!(report["context"]["stage"], "v1");
    assert_eq!(report["context"]["route"], "/hello");
}

/// `bootstrap serve --template` on a copy of the fixture with `DefinitionBody` replaced by
/// `body` (YAML, indented for the API's properties): the error it stops with.
fn refusal(body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let template = std::fs::read_to_string(common::fixture("openapi-template.yaml")).unwrap();
    let start = template.find("      DefinitionBody:\n").unwrap();
    let end = template.find("  DefinedHttpApi:").unwrap();
    let changed = format!(
        "{}      DefinitionBody:\n{body}\n{}",
        &template[..start],
        &template[end..]
    );
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, changed).unwrap();
    std::fs::copy(
        common::fixture("openapi-file-api.yaml"),
        dir.path().join("openapi-file-api.yaml"),
    )
    .unwrap();
    let inspector = format!("Inspector={}", common::component("inspector").display());
    let output = common::bootstrap()
        .args(["serve", "--port", "0", "--template"])
        .arg(&path)
        .args(["--component", &inspector])
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_definition_api_gateway_would_refuse_is_an_error_naming_where() {
    let error = refusal("        openapi: 3.1.0\n        paths: {}");
    assert!(
        error.contains("ValidatedApi.DefinitionBody") && error.contains("OpenAPI 3.1.0"),
        "{error}"
    );
    let error =
        refusal("        openapi: 3.0.1\n        paths:\n          /users:\n            get: {}");
    assert!(
        error.contains("paths./users")
            && error.contains("in get")
            && error.contains("x-amazon-apigateway-integration"),
        "{error}"
    );
    let error = refusal(
        "        openapi: 3.0.1\n        paths:\n          /users:\n            get:\n              \
         x-amazon-apigateway-integration:\n                type: aws_proxy\n                \
         httpMethod: POST\n                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Nobody.Arn}/invocations",
    );
    assert!(error.contains("Nobody"), "{error}");
    let error = refusal(
        "        openapi: 3.0.1\n        x-amazon-apigateway-request-validator: missing\n        paths: {}",
    );
    assert!(error.contains("\"missing\""), "{error}");
}

/// `bootstrap openapi --template TEMPLATE --api API`'s document.
fn exported(template: &std::path::Path, api: &str) -> Value {
    let output = common::bootstrap()
        .args(["openapi", "--template"])
        .arg(template)
        .args(["--api", api])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{api}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Whether openapi-spec-validator (PyPI, in the project's .venv: `make .venv/.tools`) takes
/// `document`; its complaint otherwise.
fn validated(document: &Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let validator = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../.venv/bin/openapi-spec-validator");
    let output = std::process::Command::new(&validator)
        .arg(&path)
        .output()
        .expect("running openapi-spec-validator from .venv (`make .venv/.tools`)");
    match output.status.success() {
        true => Ok(()),
        false => Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )),
    }
}

#[test]
fn the_export_of_every_api_is_valid_openapi() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let templates = [
        (
            root.join("template.yaml"),
            vec!["ServerlessRestApi", "ServerlessHttpApi", "UsersApi"],
        ),
        (
            common::fixture("openapi-template.yaml"),
            vec!["ValidatedApi", "DefinedHttpApi", "FileApi"],
        ),
        (
            common::fixture("auth-template.yaml"),
            vec!["JwtApi", "TokenApi", "LambdaHttpApi"],
        ),
    ];
    for (template, apis) in templates {
        for api in apis {
            let document = exported(&template, api);
            assert_eq!(document["openapi"], "3.0.1", "{api}");
            if let Err(complaint) = validated(&document) {
                panic!("{api}: {complaint}\n{document:#}");
            }
        }
    }
    // The validator is not a check that cannot fail: an undeclared path parameter fails it.
    let mut broken = exported(&common::fixture("openapi-template.yaml"), "ValidatedApi");
    broken["paths"]["/items/{id}"]["get"]["parameters"] = json!([]);
    broken["paths"]["/items/{id}"]["parameters"] = json!([]);
    assert!(validated(&broken).is_err());
}

#[test]
fn the_export_declares_path_parameters_and_each_routes_integration() {
    let template = common::fixture("openapi-template.yaml");
    let rest = exported(&template, "ValidatedApi");
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
               arn:aws:lambda:us-east-1:123456789012:function:Inspector/invocations";
    // The definition's own operation: its request body and validator kept.
    let post = &rest["paths"]["/users"]["post"];
    assert_eq!(post["x-amazon-apigateway-integration"]["uri"], uri);
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewUser"
    );
    assert_eq!(rest["x-amazon-apigateway-request-validator"], "all");
    assert!(rest["components"]["schemas"]["NewUser"].is_object());
    // A greedy path, any method, its parameter declared.
    let files = &rest["paths"]["/files/{proxy+}"];
    assert_eq!(
        files["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["type"],
        "aws_proxy"
    );
    assert_eq!(
        files["parameters"],
        json!([{
            "name": "proxy+", "in": "path", "required": true, "style": "simple",
            "schema": { "type": "string" },
        }])
    );
    // The merged event's route, with the integration SAM gives it.
    let health = &rest["paths"]["/health"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(health["uri"], uri);
    assert_eq!(health["httpMethod"], "POST");

    // An HTTP API: each route's payload format version.
    let http = exported(&template, "DefinedHttpApi");
    let version = |path: &str, method: &str| {
        http["paths"][path][method]["x-amazon-apigateway-integration"]["payloadFormatVersion"]
            .clone()
    };
    assert_eq!(version("/v1/things/{id}", "get"), "1.0");
    assert_eq!(
        version("/v2/{proxy+}", "x-amazon-apigateway-any-method"),
        "2.0"
    );
    assert_eq!(version("/from-event", "get"), "2.0");
    assert_eq!(
        http["paths"]["/v1/things/{id}"]["parameters"][0]["name"],
        "id"
    );

    // Events only: the project's users API.
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let users = exported(&root.join("template.yaml"), "UsersApi");
    let user = &users["paths"]["/users/{userId}"];
    assert_eq!(user["parameters"][0]["name"], "userId");
    assert!(
        user["get"]["x-amazon-apigateway-integration"]["uri"]
            .as_str()
            .unwrap()
            .contains(":function:UsersFunction:live/invocations"),
        "{user:#}"
    );
    // An event's integration calls the function's alias, as SAM points it there.
    let hello = exported(&root.join("template.yaml"), "ServerlessRestApi");
    let any = &hello["paths"]["/helloworld"]["x-amazon-apigateway-any-method"];
    assert!(
        any["x-amazon-apigateway-integration"]["uri"]
            .as_str()
            .unwrap()
            .ends_with(":function:HelloWorldFunction:live/invocations"),
        "{any:#}"
    );
    let error = common::bootstrap()
        .args(["openapi", "--template"])
        .arg(&template)
        .args(["--api", "Nope"])
        .output()
        .unwrap();
    assert!(!error.status.success());
    assert!(
        String::from_utf8_lossy(&error.stderr).contains("no API Nope; its APIs: DefinedHttpApi"),
        "{}",
        String::from_utf8_lossy(&error.stderr)
    );
}

#[tokio::test]
async fn the_users_api_validates_a_new_user_by_the_seeds_schema() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let template = root.join("template.yaml");
    let users = format!("UsersFunction={}", common::component("users").display());
    let writers = format!(
        "UsersAuthorizerFunction={}",
        common::component("users-authorizer").display()
    );
    let server = Server::start_template(
        &[
            "--template",
            template.to_str().unwrap(),
            "--api",
            "UsersApi",
            "--component",
            &users,
            "--component",
            &writers,
            "--parameter",
            "UsersApiKeys=ann=k-ann",
        ],
        &[("NO_COLOR", "1"), ("AWS_REGION", "us-east-1")],
    );
    let post = |authorization: &'static str, body: &'static str| {
        let server = &server;
        async move {
            let headers = [
                ("authorization", authorization),
                ("content-type", "application/json"),
            ];
            server
                .send_body_to("UsersApi", "POST", "/users", &headers, body.as_bytes())
                .await
        }
    };
    // The authorizer runs first: without a key, its 401.
    let anonymous = post("", r#"{"name":"Ann"}"#).await;
    assert_eq!(anonymous.status, 401);
    for body in [
        r#"{"name":"Ann"}"#,
        r#"{"email":"ann@example.com"}"#,
        r#"{"name":"Ann","email":7}"#,
    ] {
        let answer = post("Bearer k-ann", body).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(
            answer.json(),
            json!({ "message": "Invalid request body" }),
            "{body}"
        );
        assert_eq!(answer.headers["x-amzn-errortype"], "BadRequestException");
    }
    // The log is read from the server's stderr as it comes: wait for the third refusal.
    let refusals = || {
        server
            .log()
            .matches("answered by the gateway: validator body")
            .count()
    };
    for _ in 0..200 {
        if refusals() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log = server.log();
    assert_eq!(refusals(), 3, "{log}");
    // The invocation's summary line, which every call of the function logs.
    assert!(
        !log.contains("invocation source=\"REST API\" method=POST"),
        "the function ran: {log}"
    );
}
