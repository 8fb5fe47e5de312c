//! Properties over generated headers, query strings, cookies and bodies: a request survives the
//! trip through an API Gateway event into the guest's request, a response survives the trip
//! through the proxy response back to HTTP, and bad input is refused, never a panic.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

use std::net::{IpAddr, Ipv4Addr};

use base64::Engine as _;
use lambda_wasm_host::bindings::{Response, Source};
use lambda_wasm_host::event::{self, EventError, ResponseFormat};
use lambda_wasm_host::response::{self, InvalidResponse};
use lambda_wasm_host::serve::gateway::{self, Arrival, HttpRequest};
use lambda_wasm_host::serve::{api_kind::ApiKind, routes::RouteTable};
use proptest::prelude::*;
use serde_json::json;

type Fields = Vec<(String, String)>;

fn header_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}".prop_filter("cookies travel separately", |name| name != "cookie")
}

/// Visible ASCII with inner spaces: what a header value can be after HTTP's trimming.
fn header_value() -> impl Strategy<Value = String> {
    "[!-~]([ -~]{0,20}[!-~])?"
}

fn cookie() -> impl Strategy<Value = String> {
    "[a-z]{1,6}=[A-Za-z0-9]{0,6}"
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        "\\PC{0,60}".prop_map(String::into_bytes),
    ]
}

/// The values of each name, in order, names in first-seen order: what survives any regrouping.
fn grouped(fields: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (name, value) in fields {
        match groups
            .iter_mut()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        {
            Some((_, values)) => values.push(value.clone()),
            None => groups.push((name.to_ascii_lowercase(), vec![value.clone()])),
        }
    }
    groups
}

fn sorted_groups(fields: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut groups = grouped(fields);
    groups.sort();
    groups
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_request_survives_the_trip_through_an_event(
        v2 in any::<bool>(),
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        query in prop::collection::vec(("\\PC{1,8}", "\\PC{0,8}"), 0..6),
        cookies in prop::collection::vec(cookie(), 0..4),
        body in body(),
    ) {
        let payload = if v2 { ApiKind::Http } else { ApiKind::Rest };
        let mut all_headers: Fields = headers.clone();
        if !cookies.is_empty() {
            all_headers.push(("cookie".to_owned(), cookies.join("; ")));
        }
        let request = HttpRequest {
            method: "POST".to_owned(),
            path: "/a/b".to_owned(),
            raw_query: form_urlencoded::Serializer::new(String::new()).extend_pairs(&query).finish(),
            headers: all_headers,
            body: body.clone(),
            client_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let routes = RouteTable::catch_all(payload, ());
        let matched = routes.find("POST", "/a/b").unwrap();
        let arrival = Arrival { request_id: "id", stage: "prod", domain_name: "localhost", epoch_ms: 1 };
        let event = serde_json::to_vec(&gateway::event(payload, payload.default_payload(), &request, &matched, &arrival)).unwrap();

        let guest = event::parse(&event).unwrap().request;
        prop_assert_eq!(&guest.body, &body);
        prop_assert_eq!(&guest.cookies, &cookies);
        prop_assert_eq!(guest.path.as_str(), "/a/b");
        let guest_headers: Fields = guest.headers.into_iter().filter(|(name, _)| name != "cookie").collect();
        if v2 {
            // HTTP APIs comma-join repeated headers, and keep the query string as sent.
            let joined: Vec<(String, Vec<String>)> =
                grouped(&headers).into_iter().map(|(name, values)| (name, vec![values.join(",")])).collect();
            prop_assert_eq!(sorted_groups(&guest_headers), { let mut j = joined; j.sort(); j });
            prop_assert_eq!(guest.query, query);
        } else {
            prop_assert_eq!(sorted_groups(&guest_headers), sorted_groups(&headers));
            prop_assert_eq!(sorted_groups(&guest.query), sorted_groups(&query));
        }
    }

    #[test]
    fn a_response_survives_the_trip_back_to_http(
        status in 200u16..600,
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        cookies in prop::collection::vec(cookie(), 0..4),
        body in body(),
        v2 in any::<bool>(),
    ) {
        let guest = Response { status, headers: headers.clone(), cookies: cookies.clone(), body: body.clone() };
        let (front_end, format) =
            if v2 { (Source::HttpApi, ResponseFormat::HttpApi) } else { (Source::RestApi, ResponseFormat::RestApi) };
        let http = gateway::http_response(response::encode(guest, front_end, format).unwrap(), true).unwrap();
        prop_assert_eq!(http.status, status);
        let gateway::HttpBody::Whole(sent_body) = &http.body else { panic!("a whole body") };
        prop_assert_eq!(sent_body, &body);
        let (sent_cookies, sent_headers): (Fields, Fields) =
            http.headers.into_iter().partition(|(name, _)| name.eq_ignore_ascii_case("set-cookie"));
        prop_assert_eq!(sent_cookies.into_iter().map(|(_, value)| value).collect::<Vec<_>>(), cookies);
        let expected: Vec<(String, Vec<String>)> = if v2 {
            grouped(&headers).into_iter().map(|(name, values)| (name, vec![values.join(", ")])).collect()
        } else {
            grouped(&headers)
        };
        prop_assert_eq!(sorted_groups(&sent_headers), { let mut e = expected; e.sort(); e });
    }

    #[test]
    fn control_characters_in_headers_are_refused(
        name in header_name(),
        before in "[ -~]{0,5}",
        control in prop::sample::select(vec!['\r', '\n', '\0', '\x1b', '\x7f', '\u{85}', '\u{9f}']),
        after in "[ -~]{0,5}",
        in_cookie in any::<bool>(),
    ) {
        let value = format!("{before}{control}{after}");
        let (headers, cookies) = if in_cookie { (vec![], vec![value]) } else { (vec![(name, value)], vec![]) };
        let guest = Response { status: 200, headers, cookies, body: vec![] };
        prop_assert!(matches!(response::encode(guest, Source::RestApi, ResponseFormat::RestApi), Err(InvalidResponse::HeaderValue(_))));
    }

    #[test]
    fn base64_bodies_decode_or_are_refused(body in "[A-Za-z0-9+/=!*]{0,40}", v2 in any::<bool>()) {
        let event = if v2 {
            json!({ "version": "2.0", "rawPath": "/", "requestContext": { "http": { "method": "POST" } }, "body": body, "isBase64Encoded": true })
        } else {
            json!({ "httpMethod": "POST", "path": "/", "body": body, "isBase64Encoded": true })
        };
        let parsed = event::parse(&serde_json::to_vec(&event).unwrap());
        match base64::engine::general_purpose::STANDARD.decode(&body) {
            Ok(bytes) => prop_assert_eq!(parsed.unwrap().request.body, bytes),
            Err(_) => {
                let refused = matches!(parsed, Err(EventError::InvalidBody { .. }));
                prop_assert!(refused);
            }
        }
    }

    #[test]
    fn any_json_is_answered_without_a_panic(value in arbitrary_json()) {
        let _ = event::parse(&serde_json::to_vec(&value).unwrap());
    }
}

/// JSON shaped like proxy events, with the fields in the wrong types as often as the right ones.
fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,10}".prop_map(serde_json::Value::from),
        Just(json!("2.0")),
        Just(json!("1.0")),
    ];
    let keys = prop::sample::select(vec![
        "version",
        "httpMethod",
        "path",
        "rawPath",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "rawQueryString",
        "requestContext",
        "elb",
        "http",
        "method",
        "domainName",
        "body",
        "isBase64Encoded",
        "cookies",
        "pathParameters",
        "authorizer",
        "stage",
    ]);
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|pairs| {
                serde_json::Value::Object(
                    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                )
            }),
        ]
    })
}
