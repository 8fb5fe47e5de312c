//! A hostile test component: sleeps for an hour inside a host call, where epoch interruption cannot reach it. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Ok(ok("woke up"))
    }
}

hostile_support::export_hostile!(Hostile);
