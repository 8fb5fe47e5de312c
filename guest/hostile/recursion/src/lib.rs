//! A hostile test component: recurses until a stack runs out. `GET /ok` answers 200.
//!
//! By default its frames are small, so the host's call stack for guest code runs out first.
//! With `?frames=memory`, each frame holds 1 KiB in linear memory, so the guest's own stack (the
//! 64 KiB the workspace links guests with, first in memory) runs out first.

use hostile_support::{Guest, HandlerError, Request, Response, ok, wants_ok};

struct Hostile;

impl Guest for Hostile {
    fn handle(request: Request) -> Result<Response, HandlerError> {
        if wants_ok(&request) {
            return Ok(ok("ok"));
        }
        let in_memory = request
            .query
            .iter()
            .any(|(key, value)| key == "frames" && value == "memory");
        let depth = if in_memory {
            memory_frames(u64::MAX)
        } else {
            depth(u64::MAX)
        };
        Ok(ok(depth.to_string()))
    }
}

fn depth(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        std::hint::black_box(depth(n - 1)) + 1
    }
}

/// Each frame's buffer has its address taken, so it lives on the stack in linear memory.
fn memory_frames(n: u64) -> u64 {
    let buffer = std::hint::black_box([n as u8; 1024]);
    if n == 0 {
        0
    } else {
        std::hint::black_box(memory_frames(n - 1)) + u64::from(buffer[0])
    }
}

hostile_support::export_hostile!(Hostile);
