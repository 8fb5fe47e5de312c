//! A hostile test component: answers with status 600. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        Ok(Response {
            status: 600,
            ..ok("bad status")
        })
    }
}

hostile_support::export_hostile!(Hostile);
