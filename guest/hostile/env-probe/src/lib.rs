//! A hostile test component: prints every environment variable it can see, and answers with them. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let vars: Vec<String> = std::env::vars()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        for var in &vars {
            println!("{var}");
        }
        Ok(ok(vars.join("\n")))
    }
}

hostile_support::export_hostile!(Hostile);
