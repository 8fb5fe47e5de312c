//! `bootstrap invoke` with the hello-world logic compiled in instead of a component: the
//! native floor for the cold-start benchmark. `native_invoke EVENT_FILE` prints the response.

#![allow(clippy::unwrap_used)] // a benchmark baseline, not a tool

#[path = "../benches/native/mod.rs"]
mod native;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_wasm_host::bindings::InvocationContext;
use lambda_wasm_host::proxy;

#[tokio::main]
async fn main() {
    let event = std::fs::read(
        std::env::args()
            .nth(1)
            .expect("usage: native_invoke EVENT_FILE"),
    )
    .unwrap();
    let deadline = SystemTime::now() + Duration::from_secs(30);
    let invocation = InvocationContext {
        request_id: "native".to_owned(),
        function_name: "native".to_owned(),
        function_version: "$LATEST".to_owned(),
        deadline_epoch_ms: deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64,
    };
    let response = proxy::handle_event(&native::NativeHelloWorld, &event, invocation)
        .await
        .unwrap();
    println!("{}", serde_json::to_string_pretty(&response).unwrap());
}
