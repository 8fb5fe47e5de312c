//! The cost of one invocation: the whole path (event JSON -> request -> handler -> proxy
//! response JSON) with the hello-world component on a fresh instance against the same logic
//! compiled natively, for the tutorial's event and a large one; and instantiation and the guest
//! call alone. Criterion reports each; `bench-report` turns them into ratios.
//!
//! Needs the built components: `make components`, then `cargo bench -p lambda-wasm-host`.

#![allow(clippy::unwrap_used)] // a failed step is a failed benchmark

mod native;

use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lambda_wasm_host::component::{GuestComponent, Loader};
use lambda_wasm_host::engine::Concurrency;
use lambda_wasm_host::settings::{Environment, Settings};
use lambda_wasm_host::{event, pipeline};
use native::NativeHelloWorld;
use serde_json::{Value, json};

fn invocation() -> pipeline::LambdaContext {
    pipeline::local_invocation(Duration::from_secs(3600))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(name),
    )
    .unwrap()
}

/// The tutorial's REST API event with ~20 headers and a 10 KB JSON body.
fn large_event() -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&fixture("tutorial-rest-api.json")).unwrap();
    for n in 0..15 {
        let (name, value) = (
            format!("x-extra-header-{n}"),
            format!("value-{n}-{}", "v".repeat(40)),
        );
        event["headers"][&name] = json!(value);
        event["multiValueHeaders"][&name] = json!([value]);
    }
    event["body"] = json!(json!({ "time": "evening", "padding": "p".repeat(10_000) }).to_string());
    serde_json::to_vec(&event).unwrap()
}

fn whole_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let component = std::env::var("BENCH_COMPONENT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/wasm32-wasip2/release/hello_world.wasm")
        });
    let loader = Loader::new(
        Settings::from_process().unwrap().guest,
        Concurrency::Sequential,
    )
    .unwrap();
    let component = loader.load(&component).unwrap();
    // The same tutorial greeting as a standard `wasi:http/proxy` component (Rust on `wstd`).
    let wasi_http = loader
        .load(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../target/wasm32-wasip2/release/wstd_hello.wasm"),
        )
        .unwrap();
    let request = event::parse(&fixture("tutorial-rest-api.json"))
        .unwrap()
        .request;

    let mut group = c.benchmark_group("whole_path");
    for (name, event) in [
        ("tutorial", fixture("tutorial-rest-api.json")),
        ("large", large_event()),
    ] {
        group.bench_with_input(BenchmarkId::new("native", name), &event, |b, event| {
            b.to_async(&runtime).iter(|| async {
                let response = pipeline::handle_event(&NativeHelloWorld, event, invocation())
                    .await
                    .unwrap();
                serde_json::to_vec(&response).unwrap()
            });
        });
        group.bench_with_input(BenchmarkId::new("component", name), &event, |b, event| {
            b.to_async(&runtime).iter(|| async {
                let response = pipeline::handle_event(&component, event, invocation())
                    .await
                    .unwrap();
                serde_json::to_vec(&response).unwrap()
            });
        });
        group.bench_with_input(BenchmarkId::new("wasi_http", name), &event, |b, event| {
            b.to_async(&runtime).iter(|| async {
                let response = pipeline::handle_event(&wasi_http, event, invocation())
                    .await
                    .unwrap();
                serde_json::to_vec(&response).unwrap()
            });
        });
    }
    group.finish();

    let GuestComponent::Handler(handler) = &component else {
        panic!("hello-world is a component of the `handler` world");
    };
    let mut group = c.benchmark_group("parts");
    group.bench_function("instantiate", |b| {
        b.to_async(&runtime)
            .iter(|| async { handler.instantiate_only(invocation()).await.unwrap() });
    });
    let mut instance = runtime
        .block_on(handler.reusable_instance(invocation()))
        .unwrap();
    group.bench_function("guest_call", |b| {
        b.iter(|| runtime.block_on(instance.call(&request)).unwrap());
    });
    group.finish();
}

/// A Python handler (guest/python/hello, an `event-handler` component) on the whole path, on the
/// instance its execution environment keeps (`python/whole_path`) and on a fresh instance per
/// call, its init run each time (`python/whole_path_fresh`), when `PYTHON_BENCH_COMPONENT` names
/// it (`host/benches/run.py` does).
fn python_whole_path(c: &mut Criterion) {
    let Some(component) = std::env::var_os("PYTHON_BENCH_COMPONENT") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let event = fixture("tutorial-rest-api.json");
    for (name, scope) in [
        ("python/whole_path", "environment"),
        ("python/whole_path_fresh", "invocation"),
    ] {
        let env = Environment::from_pairs([("LAMBDA_WASM_INSTANCE_SCOPE", scope)]);
        let loader =
            Loader::new(Settings::read(&env).unwrap().guest, Concurrency::Sequential).unwrap();
        let component = loader.load(&PathBuf::from(&component)).unwrap();
        c.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| async {
                let response = pipeline::handle_event(&component, &event, invocation())
                    .await
                    .unwrap();
                serde_json::to_vec(&response).unwrap()
            });
        });
    }
}

criterion_group! {
    name = benches;
    // The machine is shared and noisy: many short samples, medians in the report.
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = whole_path, python_whole_path
}
criterion_main!(benches);
