//! Paths shared by the integration tests: fixtures, the built components, the real binary.

#![allow(dead_code)] // each test crate uses its own part of this module

pub mod loopback;
pub mod moto;
pub mod python;
pub mod runtime_api;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|err| panic!("reading fixture {name}: {err}"))
}

/// A guest component built for wasm32-wasip2 (`make components` builds them all).
pub fn component(crate_name: &str) -> PathBuf {
    let dir = std::env::var_os("LAMBDA_WASM_COMPONENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/wasm32-wasip2/release")
        });
    let path = dir.join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(
        path.is_file(),
        "{} is missing: build the guests first (`make components`)",
        path.display()
    );
    path
}

pub fn bootstrap() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    command
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("RUST_LOG", "warn");
    command
}

/// A Python example's component (guest/python/, built by `make python-examples` into
/// `LAMBDA_WASM_PYTHON_COMPONENTS`, by default target/python; `tests/NAME` by
/// `make python-test-handlers`), precompiled into `dir` once: `bootstrap` then loads it in
/// milliseconds.
pub fn python_component(example: &str, dir: &Path) -> PathBuf {
    let components = std::env::var_os("LAMBDA_WASM_PYTHON_COMPONENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/python"));
    let wasm = components.join(format!("{example}.wasm"));
    assert!(
        wasm.is_file(),
        "{} is missing: `make python-examples python-test-handlers` builds it",
        wasm.display()
    );
    let cwasm = dir.join(format!("{}.cwasm", example.replace('/', "-")));
    compile(&wasm, &cwasm);
    cwasm
}

/// `bootstrap invoke` of an event file against a component.
pub fn invoke(event: &std::path::Path, component: &std::path::Path) -> Output {
    invoke_with_env(event, component, &[])
}

/// `bootstrap invoke` with extra environment variables.
pub fn invoke_with_env(
    event: &std::path::Path,
    component: &std::path::Path,
    env: &[(&str, String)],
) -> Output {
    bootstrap()
        .envs(env.iter().map(|(name, value)| (name, value)))
        .arg("invoke")
        .arg("--event")
        .arg(event)
        .arg("--component")
        .arg(component)
        .output()
        .expect("running bootstrap")
}

/// The proxy response JSON `invoke` printed; panics with its stderr when it failed.
pub fn invoke_json(event: &std::path::Path, component: &std::path::Path) -> serde_json::Value {
    invoke_json_with_env(event, component, &[])
}

/// [`invoke_json`] with extra environment variables.
pub fn invoke_json_with_env(
    event: &std::path::Path,
    component: &std::path::Path,
    env: &[(&str, String)],
) -> serde_json::Value {
    let output = invoke_with_env(event, component, env);
    assert!(
        output.status.success(),
        "bootstrap invoke failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("invoke prints JSON")
}

/// Writes into `dir` a component of a world bootstrap does not run (it exports only a function
/// `greet`), as `greet.wasm`, and returns its path.
pub fn write_other_world_component(dir: &Path) -> PathBuf {
    let wasm = wat::parse_str(
        r#"(component
            (core module $m (func (export "greet") (result i32) i32.const 7))
            (core instance $i (instantiate $m))
            (func $greet (result u32) (canon lift (core func $i "greet")))
            (export "greet" (func $greet)))"#,
    )
    .unwrap();
    let path = dir.join("greet.wasm");
    std::fs::write(&path, wasm).unwrap();
    path
}

/// The output of `command`, which must succeed: a failure fails the test with its stderr.
pub fn succeeded(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("running {command:?}: {err}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `bootstrap compile` of `component` into `output`; panics with its stderr when it failed.
pub fn compile(component: &Path, output: &Path) {
    succeeded(
        bootstrap()
            .arg("compile")
            .arg(component)
            .arg("-o")
            .arg(output),
    );
}

/// Writes `cwasm` to `output` as another build of `bootstrap` would have compiled it: the same
/// code, another build id where the file records its build (`lambda-wasm bootstrap 0.1.0 build
/// <id>`). Returns this build's id and the other's.
pub fn as_from_another_build(cwasm: &Path, output: &Path) -> (String, String) {
    const BUILD: &[u8] = b" build ";
    let mut bytes = std::fs::read(cwasm).unwrap();
    let recorded = bytes
        .windows(b"lambda-wasm bootstrap ".len())
        .position(|window| window == b"lambda-wasm bootstrap ")
        .expect("a .cwasm records the build that compiled it");
    let id = recorded
        + bytes[recorded..]
            .windows(BUILD.len())
            .position(|window| window == BUILD)
            .unwrap()
        + BUILD.len();
    let id = id..id + 16;
    let ours = String::from_utf8(bytes[id.clone()].to_vec()).unwrap();
    let theirs = if ours == "0123456789abcdef" {
        "fedcba9876543210"
    } else {
        "0123456789abcdef"
    };
    bytes[id].copy_from_slice(theirs.as_bytes());
    std::fs::write(output, bytes).unwrap();
    (ours, theirs.to_owned())
}

/// Runs `command` (a `bootstrap invoke`) to its end: what it printed, and its peak resident
/// memory in KiB, from the kernel's accounting of that one child.
pub fn peak_rss_kib(mut command: Command) -> (Vec<u8>, i64) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let child = command
        .stdout(out.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: `wait4` writes only into the two locals it is given; the child is ours and is
    // reaped here, so `child` is never waited on again.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::wait4(pid, &mut status, 0, &mut usage), pid);
        usage
    };
    std::mem::forget(child);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    (std::fs::read(out.path()).unwrap(), usage.ru_maxrss)
}
