//! A hostile test component: smuggles a Set-Cookie through CR/LF in a header value, or with
//! `/value/{kind}` puts one character in `x-value`: `tab`, `cr` (a lone CR), `nul`, `del` or
//! `nel` (U+0085). `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut response = ok("crlf");
        let header = match request.path.strip_prefix("/value/") {
            Some(kind) => ("x-value", format!("a{}b", character(kind))),
            None => ("x-injected", "a\r\nSet-Cookie: evil=1".to_owned()),
        };
        response.headers.push((header.0.to_owned(), header.1));
        Ok(response)
    }
}

fn character(kind: &str) -> char {
    match kind {
        "tab" => '\t',
        "cr" => '\r',
        "nul" => '\0',
        "del" => '\u{7f}',
        _ => '\u{85}',
    }
}

hostile_support::export_hostile!(Hostile);
