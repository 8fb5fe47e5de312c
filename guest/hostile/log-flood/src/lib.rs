//! A hostile test component: writes 64 MiB to stdout and stderr, then answers. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let line = "flood ".repeat(170);
        for _ in 0..(32 << 20) / line.len() {
            println!("{line}");
            eprintln!("{line}");
        }
        Ok(ok("flooded"))
    }
}

hostile_support::export_hostile!(Hostile);
