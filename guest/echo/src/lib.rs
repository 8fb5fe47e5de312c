//! Answers with the request body byte for byte, under the request's `content-type`, and sets a
//! cookie for every `set-cookie` query parameter: a fixture for binary bodies and cookies.

wit_bindgen::generate!({ world: "handler", path: "../../wit" });

struct Echo;

impl Guest for Echo {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        let content_type = request
            .headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map_or("application/octet-stream", |(_, value)| value.as_str());
        let cookies = request
            .query
            .iter()
            .filter(|(name, _)| name == "set-cookie")
            .map(|(_, cookie)| cookie.clone())
            .collect();
        Ok(Response {
            status: 200,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            cookies,
            body: request.body,
        })
    }
}

export!(Echo);
