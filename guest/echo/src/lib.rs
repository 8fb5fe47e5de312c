//! Answers with the request body byte for byte, under the request's `content-type`, and sets a
//! cookie for every `set-cookie` query parameter: a fixture for binary bodies and cookies.

use lambda_wasm_sdk::{Request, Response, Result};

lambda_wasm_sdk::handler!(echo);

fn echo(request: &Request) -> Result<Response> {
    let content_type = request
        .header("content-type")
        .unwrap_or("application/octet-stream");
    let response = Response::bytes(200, content_type, request.body());
    Ok(request
        .query_values("set-cookie")
        .fold(response, Response::with_cookie))
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::Handler;

    use super::*;

    #[test]
    fn answers_the_body_under_its_content_type() {
        let request = Request::new("POST", "/")
            .with_header("Content-Type", "image/png")
            .with_body(vec![0x89, 0x50, 0xff]);
        let response = echo.respond(request);
        assert_eq!(response.status(), 200);
        assert_eq!(response.header("content-type"), Some("image/png"));
        assert_eq!(response.body(), [0x89, 0x50, 0xff]);
    }

    #[test]
    fn defaults_to_octet_stream() {
        let response = echo.respond(Request::new("POST", "/").with_body("x"));
        assert_eq!(
            response.header("content-type"),
            Some("application/octet-stream")
        );
    }

    #[test]
    fn sets_a_cookie_per_set_cookie_parameter() {
        let request = Request::new("GET", "/")
            .with_query("set-cookie", "a=1; Path=/")
            .with_query("set-cookie", "b=2");
        assert_eq!(echo.respond(request).cookies(), ["a=1; Path=/", "b=2"]);
    }
}
