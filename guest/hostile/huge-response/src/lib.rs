//! A hostile test component: answers 8 MiB, over Lambda's 6 MB response limit. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        Ok(ok(vec![b'x'; 8 << 20]))
    }
}

hostile_support::export_hostile!(Hostile);
