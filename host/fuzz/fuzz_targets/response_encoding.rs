//! Any guest response: shaped for its front end or refused, never a panic; what is accepted is
//! valid JSON under its front end's size limit, with a final status, and API Gateway gets back the same status and body.

#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use lambda_wasm_host::bindings::Response;
use lambda_wasm_host::event::ResponseFormat;
use lambda_wasm_host::response;
use lambda_wasm_host::serve::gateway;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = Unstructured::new(data);
    let Ok((status, headers, cookies, body, format)) =
        <(u16, Vec<(String, String)>, Vec<String>, Vec<u8>, u8)>::arbitrary(&mut input)
    else {
        return;
    };
    let format = match format % 4 {
        0 => ResponseFormat::RestApi,
        1 => ResponseFormat::HttpApi,
        2 => ResponseFormat::Alb { multi_value_headers: true },
        _ => ResponseFormat::Alb { multi_value_headers: false },
    };
    let guest = Response { status, headers, cookies, body: body.clone() };
    let Ok(proxy) = response::encode(guest, format) else {
        return;
    };
    let json = serde_json::to_vec(&proxy).expect("a proxy response serializes");
    assert!(json.len() as u64 <= response::size_limit(format).bytes);
    assert!((200..=599).contains(&status));
    let reparsed: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(reparsed["statusCode"], status);
    let http = gateway::http_response(proxy).expect("our own base64 decodes");
    assert_eq!(http.status, status);
    assert_eq!(http.body, body);
});
