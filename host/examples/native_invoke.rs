//! `bootstrap invoke` with the hello-world logic compiled in instead of a component: the
//! native floor for the cold-start benchmark. `native_invoke EVENT_FILE` prints the response.

#![allow(clippy::unwrap_used)] // a benchmark baseline, not a tool

#[path = "../benches/native/mod.rs"]
mod native;

use std::time::Duration;

use lambda_wasm_host::pipeline;

#[tokio::main]
async fn main() {
    let event = std::fs::read(
        std::env::args()
            .nth(1)
            .expect("usage: native_invoke EVENT_FILE"),
    )
    .unwrap();
    let invocation = pipeline::local_invocation(Duration::from_secs(30));
    let response = pipeline::handle_event(&native::NativeHelloWorld, &event, invocation)
        .await
        .unwrap();
    println!("{}", serde_json::to_string_pretty(&response).unwrap());
}
