//! Lambda events -> the contract's request, on AWS's sample events and this project's own
//! edge cases.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use lambda_wasm_host::bindings::{Request, Source};
use lambda_wasm_host::event::{
    self, AuthorizerEvent, EventError, Incoming, ParsedEvent, ResponseFormat,
};
use lambda_wasm_host::quotas::Oversized;
use serde_json::json;

fn parse(name: &str) -> ParsedEvent {
    event::parse(&common::read_fixture(name)).unwrap_or_else(|err| panic!("{name}: {err}"))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn header<'a>(request: &'a Request, name: &str) -> Vec<&'a str> {
    request
        .headers
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn accepts_every_aws_sample_request_with_the_right_source() {
    use Source::*;
    let expected = [
        ("alb-health-check.json", Alb),
        ("alb-lambda-target-request-headers-only.json", Alb),
        ("alb-lambda-target-request-multivalue-headers.json", Alb),
        ("alb-request-encoded-query-parameters.json", Alb),
        ("apigw-console-test-request.json", RestApi),
        ("apigw-request-catch-all.json", RestApi),
        ("apigw-request-multi-value-parameters.json", RestApi),
        ("apigw-request-path-with-space.json", HttpApi),
        ("apigw-request.json", RestApi),
        ("apigw-sam-http-request.json", HttpApi),
        ("apigw-sam-rest-request.json", RestApi),
        ("apigw-v2-proxy-request-minimal.json", HttpApi),
        ("apigw-v2-proxy-request-with-stage-in-path.json", HttpApi),
        ("apigw-v2-request-iam.json", HttpApi),
        ("apigw-v2-request-jwt-authorizer.json", HttpApi),
        ("apigw-v2-request-lambda-authorizer.json", HttpApi),
        ("apigw-v2-request-multi-value-parameters.json", HttpApi),
        ("apigw-v2-request-no-authorizer.json", HttpApi),
        ("lambda-function-url-request.json", FunctionUrl),
    ];
    let samples = std::fs::read_dir(common::fixture("aws-samples")).unwrap();
    let mut requests = 0;
    for sample in samples {
        let name = sample.unwrap().file_name().into_string().unwrap();
        if name.ends_with("-response.json")
            || AUTHORIZER_SAMPLES.iter().any(|(file, _)| *file == name)
        {
            continue;
        }
        requests += 1;
        let (_, source) = expected
            .iter()
            .find(|(file, _)| *file == name)
            .unwrap_or_else(|| panic!("{name} has no expected source in this test"));
        let incoming = parse(&format!("aws-samples/{name}"));
        assert_eq!(incoming.request.context.source, *source, "{name}");
        assert!(!incoming.request.method.is_empty(), "{name}");
        assert!(incoming.request.path.starts_with('/'), "{name}");
        for (header, _) in &incoming.request.headers {
            assert_eq!(
                *header,
                header.to_ascii_lowercase(),
                "{name}: header names are lower case"
            );
        }
    }
    assert_eq!(
        requests,
        expected.len(),
        "every expected sample is in aws-samples/"
    );
}

/// AWS's sample Lambda authorizer events, and what each is.
const AUTHORIZER_SAMPLES: [(&str, AuthorizerEvent); 4] = [
    (
        "apigw-custom-auth-request-token.json",
        AuthorizerEvent::Token,
    ),
    (
        "apigw-custom-auth-request-request-type.json",
        AuthorizerEvent::RequestV1,
    ),
    (
        "apigw-v2-custom-authorizer-v1-request.json",
        AuthorizerEvent::RequestV1,
    ),
    (
        "apigw-v2-custom-authorizer-v2-request.json",
        AuthorizerEvent::RequestV2,
    ),
];

#[test]
fn aws_sample_authorizer_events_are_told_from_proxy_requests() {
    for (name, kind) in AUTHORIZER_SAMPLES {
        let event = common::read_fixture(&format!("aws-samples/{name}"));
        match event::read(&event) {
            Ok(Incoming::Authorizer(found)) => assert_eq!(found, kind, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        // Taken for a proxy request, the REST API REQUEST event (it has `httpMethod`) would
        // have its answer shaped as a proxy response.
        assert!(
            matches!(event::parse(&event), Err(EventError::Authorizer(found)) if found == kind),
            "{name}"
        );
    }
}

#[test]
fn rest_api_sample_fills_every_field() {
    let ParsedEvent { request, format } = parse("aws-samples/apigw-request.json");
    assert_eq!(format, ResponseFormat::RestApi);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hello/world");
    assert_eq!(request.query, pairs(&[("name", "me")]));
    assert_eq!(request.raw_query, "name=me");
    assert_eq!(request.path_parameters, pairs(&[("proxy", "hello/world")]));
    // 19 names in both maps, each sent once.
    assert_eq!(request.headers.len(), 19);
    assert_eq!(header(&request, "content-type"), ["application/json"]);
    assert_eq!(request.body, b"{\r\n\t\"a\": 1\r\n}");
    let context = &request.context;
    assert_eq!(
        context.request_id.as_deref(),
        Some("deef4878-7910-11e6-8f14-25afc3e9ae33")
    );
    assert_eq!(context.stage.as_deref(), Some("testStage"));
    assert_eq!(context.route.as_deref(), Some("/{proxy+}"));
    assert_eq!(context.source_ip.as_deref(), Some("192.168.196.186"));
    assert_eq!(context.user_agent.as_deref(), Some("PostmanRuntime/2.4.5"));
    assert_eq!(
        context.domain_name.as_deref(),
        Some("gy415nuibc.execute-api.us-east-2.amazonaws.com")
    );
    assert_eq!(
        context.stage_variables,
        pairs(&[("stageVariableName", "stageVariableValue")])
    );
    let authorizer: serde_json::Value =
        serde_json::from_str(context.authorizer.as_deref().unwrap()).unwrap();
    assert_eq!(authorizer["principalId"], "admin");
    assert_eq!(context.request_time_epoch_ms, Some(1589522469693));
}

#[test]
fn rest_api_prefers_multi_value_query_parameters() {
    let request = parse("aws-samples/apigw-request-multi-value-parameters.json").request;
    assert_eq!(request.query, pairs(&[("name", "me"), ("name", "me2")]));
    assert_eq!(request.raw_query, "name=me&name=me2");
}

#[test]
fn rest_api_merges_single_and_multi_value_maps_without_duplicates() {
    let ParsedEvent { request, format } = parse("events/rest-api-multi-value.json");
    assert_eq!(format, ResponseFormat::RestApi);
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, "/users/42");
    assert_eq!(request.raw_path, "/prod/users/42");
    assert_eq!(
        request.headers,
        pairs(&[
            ("accept", "application/json"),
            ("accept", "text/html"),
            ("cookie", "session=abc; theme=dark"),
            ("x-repeated", "one"),
            ("x-repeated", "two"),
            ("x-single", "only-here"),
        ])
    );
    assert_eq!(
        request.query,
        pairs(&[("tag", "a"), ("tag", "b"), ("q", "a b")])
    );
    assert_eq!(request.raw_query, "tag=a&tag=b&q=a+b");
    assert_eq!(request.cookies, ["session=abc", "theme=dark"]);
    assert_eq!(
        request.body,
        [0, 255, 16, 128, 7],
        "base64 body decoded to its bytes"
    );
    assert_eq!(request.path_parameters, pairs(&[("userId", "42")]));
    assert_eq!(request.context.route.as_deref(), Some("/users/{userId}"));
    let authorizer: serde_json::Value =
        serde_json::from_str(request.context.authorizer.as_deref().unwrap()).unwrap();
    assert_eq!(authorizer["claims"]["email"], "a@example.com");
}

#[test]
fn rest_api_tolerates_null_and_missing_fields() {
    let request = parse("events/rest-api-null-fields.json").request;
    assert_eq!(request.method, "GET", "methods are upper-cased");
    assert!(request.headers.is_empty() && request.query.is_empty() && request.body.is_empty());
    assert!(request.context.request_id.is_none() && request.context.authorizer.is_none());
}

#[test]
fn http_api_strips_the_stage_and_keeps_repeated_query_keys_apart() {
    let ParsedEvent { request, format } = parse("events/http-api-stage-and-repeated-query.json");
    assert_eq!(format, ResponseFormat::HttpApi);
    assert_eq!(request.path, "/items/7");
    assert_eq!(request.raw_path, "/prod/items/7");
    assert_eq!(
        request.query,
        pairs(&[("a", "1"), ("a", "2"), ("b", "x y"), ("plus", "c d")])
    );
    assert_eq!(request.raw_query, "a=1&a=2&b=x%20y&plus=c+d");
    assert_eq!(request.cookies, ["session=abc", "theme=dark"]);
    assert_eq!(request.body, [0, 255, 16, 128, 7]);
    assert_eq!(
        request.headers,
        pairs(&[("accept", "application/json"), ("x-multi", "one,two")])
    );
    assert_eq!(request.context.route.as_deref(), Some("GET /items/{id}"));
    assert_eq!(request.context.request_time_epoch_ms, Some(1700000000456));
}

#[test]
fn http_api_sample_with_stage_in_path() {
    let request = parse("aws-samples/apigw-v2-proxy-request-with-stage-in-path.json").request;
    assert_eq!(request.path, "/my/path");
    assert_eq!(request.raw_path, "/Prod/my/path");
    assert_eq!(
        request.query,
        pairs(&[
            ("parameter1", "value1"),
            ("parameter1", "value2"),
            ("parameter2", "value")
        ])
    );
    assert_eq!(request.cookies, ["cookie1=value1", "cookie2=value2"]);
    let authorizer: serde_json::Value =
        serde_json::from_str(request.context.authorizer.as_deref().unwrap()).unwrap();
    assert_eq!(authorizer["jwt"]["claims"]["claim1"], "value1");
}

#[test]
fn function_url_sample() {
    let ParsedEvent { request, format } = parse("aws-samples/lambda-function-url-request.json");
    assert_eq!(format, ResponseFormat::HttpApi);
    assert_eq!(request.context.source, Source::FunctionUrl);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/my/path")
    );
    assert_eq!(request.cookies, ["test=hi"]);
    assert_eq!(request.context.source_ip.as_deref(), Some("65.78.31.245"));
    assert_eq!(
        request.context.request_id.as_deref(),
        Some("MIZRNhJtIAMEMDw=")
    );
}

#[test]
fn alb_decodes_percent_encoded_query_values() {
    let ParsedEvent { request, format } =
        parse("aws-samples/alb-request-encoded-query-parameters.json");
    assert_eq!(
        format,
        ResponseFormat::Alb {
            multi_value_headers: false
        }
    );
    assert_eq!(request.query, pairs(&[("myKey", "?showAll=true")]));
    assert_eq!(request.raw_query, "myKey=%3FshowAll%3Dtrue");
    assert_eq!(request.cookies, ["cookies"]);
    assert_eq!(request.context.source_ip.as_deref(), Some("72.21.198.66"));
    assert_eq!(
        request.context.domain_name.as_deref(),
        Some("lambda-846800462-us-east-2.elb.amazonaws.com")
    );
    assert_eq!(request.body, b"request_body");
}

#[test]
fn alb_with_multi_value_headers_answers_in_kind() {
    let ParsedEvent { request, format } = parse("events/alb-multi-value-encoded-query.json");
    assert_eq!(
        format,
        ResponseFormat::Alb {
            multi_value_headers: true
        }
    );
    assert_eq!(
        request.query,
        pairs(&[("q", "a b"), ("q", "c&d"), ("lang", "en")])
    );
    assert_eq!(
        header(&request, "accept"),
        ["text/plain", "application/json"]
    );
    assert_eq!(request.cookies, ["a=1", "b=2"]);
    assert_eq!(request.context.source_ip.as_deref(), Some("192.0.2.9"));
}

#[test]
fn tutorial_request_reads_the_same_from_every_front_end() {
    for (name, source) in [
        ("tutorial-rest-api.json", Source::RestApi),
        ("tutorial-http-api.json", Source::HttpApi),
        ("tutorial-alb.json", Source::Alb),
        ("tutorial-function-url.json", Source::FunctionUrl),
    ] {
        let request = parse(&format!("events/{name}")).request;
        assert_eq!(request.context.source, source, "{name}");
        assert_eq!(request.method, "POST", "{name}");
        assert_eq!(request.path, "/helloworld", "{name}");
        assert_eq!(
            request.query,
            pairs(&[("name", "John"), ("city", "Seattle")]),
            "{name}"
        );
        assert_eq!(header(&request, "day"), ["Thursday"], "{name}");
        assert_eq!(request.body, br#"{ "time": "evening" }"#, "{name}");
    }
}

#[test]
fn an_invalid_base64_body_is_a_bad_request_for_the_front_end() {
    let err =
        event::parse(&common::read_fixture("events/rest-api-invalid-base64.json")).unwrap_err();
    assert!(
        matches!(
            err,
            EventError::InvalidBody {
                format: ResponseFormat::RestApi,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn events_that_are_not_proxy_events_are_refused_without_echoing_them() {
    let err = event::parse(&common::read_fixture("events/not-a-proxy-event-sqs.json")).unwrap_err();
    assert!(matches!(err, EventError::Unsupported), "{err}");
    assert!(
        err.to_string().contains("expected an API Gateway REST API"),
        "{err}"
    );

    let err = event::parse(&common::read_fixture("events/malformed-rest-api.json")).unwrap_err();
    assert!(matches!(err, EventError::Malformed { .. }), "{err}");
    assert!(!err.to_string().contains("secret-token-value"), "{err}");

    for response in ["apigw-response.json", "alb-lambda-target-response.json"] {
        let err =
            event::parse(&common::read_fixture(&format!("aws-samples/{response}"))).unwrap_err();
        assert!(matches!(err, EventError::Unsupported), "{response}: {err}");
    }
}

#[test]
fn rest_api_behind_a_base_path_routes_without_it() {
    let request = parse("events/rest-api-custom-domain-base-path.json").request;
    assert_eq!(request.path, "/pets/two words");
    assert_eq!(request.raw_path, "/v1/petstore/pets/two%20words");
    assert_eq!(request.path_parameters, pairs(&[("petId", "two words")]));
    assert_eq!(request.context.route.as_deref(), Some("/pets/{petId}"));

    // The same request behind a one-level base path, on a greedy resource, and with parameters
    // that do not match the path (which then stays as received).
    let mut event: serde_json::Value = serde_json::from_slice(&common::read_fixture(
        "events/rest-api-custom-domain-base-path.json",
    ))
    .unwrap();
    let cases = [
        (
            "/pets/{petId}",
            "/petstore/pets/42",
            json!({"petId": "42"}),
            "/pets/42",
            pairs(&[("petId", "42")]),
        ),
        (
            "/{proxy+}",
            "/petstore/pets/a%2Fb/c",
            json!({"proxy": "pets/a%2Fb/c"}),
            "/pets/a%2Fb/c",
            pairs(&[("proxy", "pets/a/b/c")]),
        ),
        (
            "/pets/{petId}",
            "/petstore/pets/42",
            json!({"petId": "7"}),
            "/petstore/pets/42",
            pairs(&[("petId", "7")]),
        ),
        (
            "/pets/{petId}",
            "/petstore/pets/42",
            serde_json::Value::Null,
            "/petstore/pets/42",
            vec![],
        ),
    ];
    for (resource, path, parameters, routed, decoded) in cases {
        event["resource"] = json!(resource);
        event["path"] = json!(path);
        event["pathParameters"] = parameters;
        let request = event::parse(event.to_string().as_bytes()).unwrap().request;
        assert_eq!(request.path, routed, "{resource} {path}");
        assert_eq!(request.path_parameters, decoded, "{resource} {path}");
    }
}

#[test]
fn http_api_payload_1_0_is_an_http_api_answered_in_the_rest_shape() {
    let ParsedEvent { request, format } = parse("events/http-api-payload-1.0.json");
    assert_eq!(request.context.source, Source::HttpApi);
    assert_eq!(format, ResponseFormat::RestApi);
    assert_eq!(request.path, "/my/path");
    assert_eq!(request.context.stage.as_deref(), Some("$default"));
    assert_eq!(request.body, b"Hello from Lambda!");

    let ParsedEvent { request, format } = parse("events/http-api-payload-1.0-named-stage.json");
    assert_eq!(request.context.source, Source::HttpApi);
    assert_eq!(format, ResponseFormat::RestApi);
    assert_eq!(request.path, "/pets/two words");
    assert_eq!(request.raw_path, "/prod/pets/two words");
    assert_eq!(request.path_parameters, pairs(&[("petId", "two words")]));
    assert_eq!(request.context.route.as_deref(), Some("GET /pets/{petId}"));

    // SAM CLI's local REST events say `version: "1.0"` too, and stay REST API events.
    let request = parse("aws-samples/apigw-sam-rest-request.json").request;
    assert_eq!(request.context.source, Source::RestApi);
}

/// `GET /docs/two%20words%2Fcaf%C3%A9` on the route `/docs/{name}`, as each front end sends it.
fn same_request_from_every_front_end() -> [(Source, serde_json::Value); 4] {
    let wire = "/docs/two%20words%2Fcaf%C3%A9";
    let decoded = "/docs/two words/café";
    let http = |domain: &str, raw_path: &str| {
        json!({
            "version": "2.0",
            "routeKey": "GET /docs/{name}",
            "rawPath": raw_path,
            "rawQueryString": "",
            "requestContext": {
                "domainName": domain,
                "http": { "method": "GET", "path": decoded },
                "stage": "$default",
            },
        })
    };
    let mut http_api = http("id.execute-api.us-east-1.amazonaws.com", decoded);
    http_api["pathParameters"] = json!({ "name": "two words/café" });
    let mut function_url = http("abc.lambda-url.us-east-1.on.aws", wire);
    function_url["routeKey"] = json!("$default");
    [
        (
            Source::RestApi,
            json!({
                "resource": "/docs/{name}",
                "path": wire,
                "httpMethod": "GET",
                "pathParameters": { "name": "two%20words%2Fcaf%C3%A9" },
                "requestContext": { "path": format!("/prod{wire}"), "stage": "prod" },
            }),
        ),
        (Source::HttpApi, http_api),
        (Source::FunctionUrl, function_url),
        (
            Source::Alb,
            json!({
                "path": wire,
                "httpMethod": "GET",
                "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:x" } },
            }),
        ),
    ]
}

#[test]
fn every_front_end_gives_the_same_decoded_path_with_data_slashes_kept_apart() {
    for (source, event) in same_request_from_every_front_end() {
        let request = event::parse(event.to_string().as_bytes()).unwrap().request;
        assert_eq!(request.context.source, source);
        assert_eq!(request.path, "/docs/two words%2Fcafé", "{source:?}");
        assert!(
            matches!(source, Source::Alb | Source::FunctionUrl)
                || request.path_parameters == pairs(&[("name", "two words/café")]),
            "{source:?}: {:?}",
            request.path_parameters
        );
    }
}

#[test]
fn function_url_keeps_the_encoded_raw_path() {
    let [.., (_, function_url), _] = same_request_from_every_front_end();
    let request = event::parse(function_url.to_string().as_bytes())
        .unwrap()
        .request;
    assert_eq!(request.raw_path, "/docs/two%20words%2Fcaf%C3%A9");
}

#[test]
fn undecodable_paths_are_kept_as_received_and_never_fail_the_event() {
    for path in ["/bad/%FF", "/100%", "/%zz/%", "/%C3"] {
        let event = json!({ "path": path, "httpMethod": "GET", "requestContext": { "elb": {} } });
        let request = event::parse(event.to_string().as_bytes()).unwrap().request;
        assert!(request.path.starts_with('/'), "{path}");
        assert_eq!(request.raw_path, path);
    }
    let event = json!({ "path": "/100%", "httpMethod": "GET", "requestContext": { "elb": {} } });
    let request = event::parse(event.to_string().as_bytes()).unwrap().request;
    assert_eq!(request.path, "/100%25", "a lone % is a literal %");
}

/// `name` from the fixtures, as JSON to edit.
fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_slice(&common::read_fixture(&format!("events/{name}"))).unwrap()
}

fn too_large(event: &serde_json::Value) -> (Source, ResponseFormat, Oversized) {
    match event::parse(&serde_json::to_vec(event).unwrap()) {
        Err(EventError::TooLarge {
            front_end,
            format,
            part,
        }) => (front_end, format, part),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

fn many(count: usize, value: &str) -> serde_json::Map<String, serde_json::Value> {
    (0..count)
        .map(|i| (format!("x-{i}"), serde_json::Value::from(value)))
        .collect()
}

#[test]
fn a_rest_api_event_with_a_hundred_thousand_headers_is_refused_in_its_shape() {
    let mut event = fixture_json("tutorial-rest-api.json");
    let headers = many(100_000, "v");
    let multi: serde_json::Map<_, _> = headers
        .keys()
        .map(|name| (name.clone(), serde_json::json!(["v", "w"])))
        .collect();
    event["headers"] = headers.into();
    event["multiValueHeaders"] = multi.into();
    assert_eq!(
        too_large(&event),
        (Source::RestApi, ResponseFormat::RestApi, Oversized::Headers)
    );
}

#[test]
fn query_parameters_path_parameters_and_cookies_count_against_the_caps() {
    let mut event = fixture_json("tutorial-rest-api.json");
    event["multiValueQueryStringParameters"] = many(100_000, "1")
        .into_iter()
        .map(|(name, _)| (name, serde_json::json!(["1"])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    assert_eq!(too_large(&event).2, Oversized::Url);

    let mut event = fixture_json("tutorial-http-api.json");
    event["rawQueryString"] = "a=1&".repeat(50_000).into();
    assert_eq!(
        too_large(&event),
        (Source::HttpApi, ResponseFormat::HttpApi, Oversized::Url)
    );

    let mut event = fixture_json("tutorial-http-api.json");
    event["pathParameters"] = many(100_000, "").into();
    assert_eq!(too_large(&event).2, Oversized::Url);

    let mut event = fixture_json("tutorial-function-url.json");
    event["cookies"] = vec!["a=1"; 100_000].into();
    assert_eq!(
        too_large(&event),
        (
            Source::FunctionUrl,
            ResponseFormat::HttpApi,
            Oversized::Headers
        )
    );
}

#[test]
fn headers_within_the_front_ends_caps_are_accepted() {
    // 12 KiB of header values: over API Gateway's 10,240-byte quota for the client's part, as
    // the headers API Gateway adds can make it, and within the host's 16 KiB cap.
    let mut event = fixture_json("tutorial-rest-api.json");
    event["headers"] = many(12, &"v".repeat(1_000)).into();
    event["multiValueHeaders"] = serde_json::Value::Null;
    assert_eq!(
        event::parse(&serde_json::to_vec(&event).unwrap())
            .unwrap()
            .request
            .headers
            .len(),
        12
    );

    // ALB documents 64 KB of headers: 40 KiB pass there and not on an HTTP API.
    let mut alb = fixture_json("tutorial-alb.json");
    alb["headers"] = many(40, &"v".repeat(1_000)).into();
    assert!(event::parse(&serde_json::to_vec(&alb).unwrap()).is_ok());
    let mut http_api = fixture_json("tutorial-http-api.json");
    http_api["headers"] = many(40, &"v".repeat(1_000)).into();
    assert_eq!(too_large(&http_api).2, Oversized::Headers);
}
