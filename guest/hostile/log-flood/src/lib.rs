//! A hostile test component that floods the log, then answers. `GET /ok` answers 200.
//! `/empty-lines` writes 64 MiB of empty lines to each of stdout and stderr, after one line with
//! a lone CR that would forge a log line; `/huge-error` returns a 32 MiB handler error that also
//! tries to forge one; any other path writes 64 MiB of 1 KiB lines to stdout and stderr.

use std::io::Write as _;

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

/// What each forging attempt would put at the start of a log line of its own.
const FORGED: &str = "FORGED INFO bootstrap: all is well";

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        match request.path.as_str() {
            _ if wants_ok(&request) => Ok(ok("ok")),
            "/empty-lines" => {
                println!("real line\r{FORGED}");
                let newlines = vec![b'\n'; 1 << 20];
                for _ in 0..64 {
                    let _ = std::io::stdout().write_all(&newlines);
                    let _ = std::io::stderr().write_all(&newlines);
                }
                Ok(ok("flooded"))
            }
            "/huge-error" => Err(HandlerError {
                message: format!("refused\r{FORGED}\n{}", "e".repeat(32 << 20)),
            }),
            _ => {
                let line = "flood ".repeat(170);
                for _ in 0..(32 << 20) / line.len() {
                    println!("{line}");
                    eprintln!("{line}");
                }
                Ok(ok("flooded"))
            }
        }
    }
}

hostile_support::export_hostile!(Hostile);
