//! The hello-world greeting (query string only) as a `wasi:http` proxy component: what
//! `wasmtime serve` runs in the serve benchmark, against `bootstrap serve` and hello-world.

use std::io::Write as _;

use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wasip2::http::proxy::export!(HttpHello);

struct HttpHello;

impl wasip2::exports::http::incoming_handler::Guest for HttpHello {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let query = path.split_once('?').map_or("", |(_, query)| query);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let last = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let greeting = format!(
            "Good day, {} of {}.",
            last("name").unwrap_or("you"),
            last("city").unwrap_or("World")
        );
        let body = serde_json::json!({ "greeting": greeting }).to_string();

        let headers =
            Fields::from_list(&[("content-type".to_owned(), b"application/json".to_vec())])
                .unwrap_or_else(|_| Fields::new());
        let response = OutgoingResponse::new(headers);
        let Ok(outgoing) = response.body() else {
            return;
        };
        ResponseOutparam::set(response_out, Ok(response));
        if let Ok(mut stream) = outgoing.write() {
            let _ = stream.write_all(body.as_bytes());
            let _ = stream.flush();
        }
        let _ = OutgoingBody::finish(outgoing, None);
    }
}
