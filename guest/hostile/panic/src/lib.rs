//! A hostile test component: panics. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        panic!("a hostile guest panicked on {}", request.path)
    }
}

hostile_support::export_hostile!(Hostile);
