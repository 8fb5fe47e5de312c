//! A hostile test component: tries to open connections and resolve names, and answers with what it got. `GET /ok` answers 200.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let port = request
            .query
            .iter()
            .find(|(name, _)| name == "port")
            .map_or("80", |(_, port)| port.as_str());
        let connect =
            std::net::TcpStream::connect(format!("127.0.0.1:{port}")).map(|_| "connected");
        let resolve =
            std::net::ToSocketAddrs::to_socket_addrs("localhost:80").map(|addrs| addrs.count());
        Ok(ok(format!("connect: {connect:?}\nresolve: {resolve:?}")))
    }
}

hostile_support::export_hostile!(Hostile);
