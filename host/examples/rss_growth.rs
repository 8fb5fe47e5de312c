//! Resident memory before and after many invocations of a component on fresh instances:
//! `rss_growth COMPONENT EVENT_FILE [INVOCATIONS]` (default 1,000,000). A leak per invocation
//! would show as growth; prints one line of `key=value` pairs.

#![allow(clippy::unwrap_used)] // a benchmark, not a tool

use std::time::{Duration, Instant};

use lambda_wasm_host::component::Loader;
use lambda_wasm_host::engine::Concurrency;
use lambda_wasm_host::pipeline;
use lambda_wasm_host::settings::Settings;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (component, event) = (args.next().unwrap(), args.next().unwrap());
    let invocations: u64 = args.next().map_or(1_000_000, |n| n.parse().unwrap());
    let event = std::fs::read(event).unwrap();
    let handler = Loader::new(
        Settings::from_process().unwrap().guest,
        Concurrency::Sequential,
    )
    .unwrap()
    .load(component.as_ref())
    .unwrap();
    let invocation = || pipeline::local_invocation(Duration::from_secs(30));
    // Warm up: the pool's slots, the allocator's arenas, lazily initialised statics.
    for _ in 0..10_000 {
        pipeline::handle_event(&handler, &event, invocation())
            .await
            .unwrap();
    }
    let before = rss_kib();
    let started = Instant::now();
    for _ in 0..invocations {
        let response = pipeline::handle_event(&handler, &event, invocation())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let elapsed = started.elapsed();
    let after = rss_kib();
    println!(
        "invocations={invocations} rss_before_kib={before} rss_after_kib={after} growth_kib={} per_invocation_us={:.2}",
        after as i64 - before as i64,
        elapsed.as_secs_f64() * 1e6 / invocations as f64
    );
}
