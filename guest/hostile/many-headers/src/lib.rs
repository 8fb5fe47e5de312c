//! A hostile test component: answers 50 000 distinct headers (`/cookies`: 50 000 cookies), work
//! quadratic in their number for a host that groups them by scanning. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

const COUNT: usize = 50_000;

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut response = ok("many");
        if request.path == "/cookies" {
            response.cookies = (0..COUNT).map(|i| format!("c{i}=1")).collect();
        } else {
            response.headers = (0..COUNT)
                .map(|i| (format!("x-header-{i}"), "v".to_owned()))
                .collect();
        }
        Ok(response)
    }
}

hostile_support::export_hostile!(Hostile);
