//! A hostile test component: tries to read and list files of the host, and answers with what it got. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let mut report = Vec::new();
        for path in [
            "/etc/passwd",
            "/proc/self/environ",
            "/var/task/bootstrap",
            "./Cargo.toml",
        ] {
            report.push(format!(
                "read {path}: {:?}",
                std::fs::read(path).map(|bytes| bytes.len())
            ));
        }
        for dir in ["/", "."] {
            report.push(format!(
                "list {dir}: {:?}",
                std::fs::read_dir(dir).map(|entries| entries.count())
            ));
        }
        report.push(format!(
            "write /tmp/x: {:?}",
            std::fs::write("/tmp/hostile", b"x")
        ));
        Ok(ok(report.join("\n")))
    }
}

hostile_support::export_hostile!(Hostile);
