//! A native hyper server answering the hello-world greeting: the floor for the `serve`
//! throughput benchmark. `native_serve PORT`.

#![allow(clippy::unwrap_used)] // a benchmark baseline, not a tool

use std::convert::Infallible;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn greet(
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let query: Vec<(String, String)> =
        form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let last = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let greeting = format!(
        "Good day, {} of {}.",
        last("name").unwrap_or_else(|| "you".to_owned()),
        last("city").unwrap_or_else(|| "World".to_owned())
    );
    let body = serde_json::json!({ "greeting": greeting }).to_string();
    Ok(hyper::Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap())
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .expect("usage: native_serve PORT")
        .parse()
        .unwrap();
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(greet))
                .await;
        });
    }
}
