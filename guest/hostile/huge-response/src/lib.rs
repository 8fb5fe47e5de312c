//! A hostile test component: answers a huge body, over Lambda's 6 MB response limit. `GET /ok`
//! answers 200; `/text/{mib}` and `/binary/{mib}` answer that many MiB of `x` or of 0xff (not
//! UTF-8, so base64 once encoded); any other path 8 MiB of text.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut segments = request.path.trim_start_matches('/').split('/');
        let byte = match segments.next() {
            Some("binary") => 0xff,
            _ => b'x',
        };
        let mib: usize = segments
            .next()
            .and_then(|mib| mib.parse().ok())
            .unwrap_or(8);
        Ok(ok(vec![byte; mib << 20]))
    }
}

hostile_support::export_hostile!(Hostile);
