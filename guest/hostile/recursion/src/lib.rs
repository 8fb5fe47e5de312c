//! A hostile test component: recurses until the stack runs out. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        Ok(ok(depth(u64::MAX).to_string()))
    }
}

fn depth(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        std::hint::black_box(depth(n - 1)) + 1
    }
}

hostile_support::export_hostile!(Hostile);
