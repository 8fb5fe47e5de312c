//! The `generate!` of the contract's `event-handler` world: an authorizer (`authorizer!`) is a
//! component of that world, the event JSON in and the function's result JSON out, as Lambda
//! authorizers are. The `handler` world's bindings stay in `bindings`; each world's export
//! macro emits its own exports, so a crate exports only the world it names.

wit_bindgen::generate!({
    world: "event-handler",
    path: "../../wit",
    pub_export_macro: true,
    default_bindings_module: "lambda_wasm_sdk::event_bindings",
});
