//! A hostile test component: answers with a header name that HTTP forbids. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut response = ok("bad header name");
        response
            .headers
            .push(("bad header: x".to_owned(), "value".to_owned()));
        Ok(response)
    }
}

hostile_support::export_hostile!(Hostile);
