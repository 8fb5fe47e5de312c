//! The `generate!` of the contract's `event-handler` world: an authorizer (`authorizer!`) is a
//! component of that world, the event JSON in and the function's result JSON out, as Lambda
//! authorizers are. The `handler` world's bindings stay in `bindings`; each world's export
//! macro emits its own exports, so a crate exports only the world it names.

wit_bindgen::generate!({
    world: "event-handler",
    path: "../../wit",
    pub_export_macro: true,
    default_bindings_module: "lambda_wasm_sdk::event_bindings",
    // The WASI interfaces this world imports too (its outbound HTTP): the `handler` world's.
    with: {
        "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
        "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
        "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
        "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
        "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
    },
});
