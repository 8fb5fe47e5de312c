//! The bindings the hostile components share, and the `/ok` answer each gives when asked to
//! behave, so that a test can check the host still serves right after the misbehaviour.

pub mod bindings {
    wit_bindgen::generate!({
        world: "handler",
        path: "../../../wit",
        pub_export_macro: true,
        export_macro_name: "export_hostile",
        default_bindings_module: "hostile_support::bindings",
        // The WASI interfaces the world imports (wasi:http and its dependencies), generated here.
        generate_all,
    });
}

pub use bindings::{Guest, HandlerError, Request, Response, export_hostile};

/// True when the request asks the component to behave (`GET /ok`).
pub fn wants_ok(request: &Request) -> bool {
    request.path == "/ok"
}

/// A plain `200 ok`.
pub fn ok(body: impl Into<Vec<u8>>) -> Response {
    Response {
        status: 200,
        headers: vec![("content-type".to_owned(), "text/plain".to_owned())],
        cookies: Vec::new(),
        body: body.into(),
    }
}
