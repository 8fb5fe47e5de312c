//! A hostile test component: smuggles a Set-Cookie through CR/LF in a header value. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut response = ok("crlf");
        response.headers.push((
            "x-injected".to_owned(),
            "a\r\nSet-Cookie: evil=1".to_owned(),
        ));
        Ok(response)
    }
}

hostile_support::export_hostile!(Hostile);
