//! A hostile test component: answers with status 600, or `/status/{code}` with that code (a 1xx,
//! say). `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let status = request
            .path
            .strip_prefix("/status/")
            .and_then(|code| code.parse().ok())
            .unwrap_or(600);
        Ok(Response {
            status,
            ..ok("bad status")
        })
    }
}

hostile_support::export_hostile!(Hostile);
