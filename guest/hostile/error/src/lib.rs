//! A hostile test component: returns its typed handler error. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        Err(HandlerError {
            message: format!("refusing {}", request.path),
        })
    }
}

hostile_support::export_hostile!(Hostile);
