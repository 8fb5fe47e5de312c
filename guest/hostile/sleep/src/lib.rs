//! A hostile test component: sleeps for an hour inside a host call, where epoch interruption
//! cannot reach it. `GET /ok` answers 200. For the concurrency tests and benchmark it also
//! behaves like a handler that waits: `/nap/MS` prints a line, sleeps MS milliseconds and answers
//! 200; `/panic` traps.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        if request.path == "/panic" {
            panic!("asked to trap");
        }
        if let Some(ms) = request
            .path
            .strip_prefix("/nap/")
            .and_then(|ms| ms.parse::<u64>().ok())
        {
            println!("napping {ms} ms");
            std::thread::sleep(std::time::Duration::from_millis(ms));
            return Ok(ok(format!("napped {ms} ms")));
        }
        std::thread::sleep(std::time::Duration::from_secs(3600));
        Ok(ok("woke up"))
    }
}

hostile_support::export_hostile!(Hostile);
