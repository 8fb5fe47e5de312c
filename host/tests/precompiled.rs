//! Precompiled components (`bootstrap compile`, what `make package` and `sam build` ship): code
//! for every Lambda host of the architecture, never for the build machine's CPU; and a `.cwasm`
//! that does not fit the bootstrap that loads it (another build, a damaged file) refused by
//! `bootstrap check` at packaging and by Lambda mode at Init, naming both builds.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lambda_wasm_host::engine::{self, Concurrency};

fn check(runner: Option<&[&str]>, cwasm: &Path) -> Output {
    let bootstrap = env!("CARGO_BIN_EXE_bootstrap");
    let mut command = match runner {
        Some([program, args @ ..]) => {
            let mut command = Command::new(program);
            command.args(args).arg(bootstrap);
            command
        }
        _ => Command::new(bootstrap),
    };
    command
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("RUST_LOG", "error")
        .arg("check")
        .arg(cwasm)
        .output()
        .expect("running bootstrap check")
}

fn hello_world_cwasm(dir: &Path) -> PathBuf {
    let cwasm = dir.join("hello_world.cwasm");
    common::compile(&common::component("hello-world"), &cwasm);
    cwasm
}

#[test]
fn a_compiled_component_is_checked_as_lambda_mode_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = hello_world_cwasm(dir.path());
    let output = check(None, &cwasm);
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("a `handler` component, loads in lambda-wasm bootstrap"),
        "{said}"
    );
}

#[test]
fn a_cwasm_from_another_build_is_refused_naming_both_builds() {
    let dir = tempfile::tempdir().unwrap();
    let cwasm = hello_world_cwasm(dir.path());
    let older = dir.path().join("older.cwasm");
    let (ours, theirs) = common::as_from_another_build(&cwasm, &older);

    let output = check(None, &older);
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains(&format!("build {theirs}")), "{log}");
    assert!(log.contains(&format!("build {ours}")), "{log}");
    assert!(log.contains("compile the component again"), "{log}");
    assert!(!log.contains("panicked"), "{log}");

    let damaged = dir.path().join("damaged.cwasm");
    let mut bytes = std::fs::read(&cwasm).unwrap();
    bytes.truncate(bytes.len() / 3);
    std::fs::write(&damaged, bytes).unwrap();
    let output = check(None, &damaged);
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("damaged.cwasm"), "{log}");
}

/// Lambda's x86_64 hosts promise AVX2, not AVX-512: a `.cwasm` compiled here must load on a
/// Haswell, which qemu-user emulates (`make test` installs it). Compiled for this machine's own
/// CPU instead, the same component needs every extension this machine has, and a machine with
/// AVX-512 shows the difference.
#[cfg(target_arch = "x86_64")]
#[test]
fn a_cwasm_compiled_here_loads_on_a_lambda_cpu_without_this_machines_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let haswell: &[&str] = &["qemu-x86_64", "-cpu", "Haswell-v4"];
    let cwasm = hello_world_cwasm(dir.path());
    let output = check(Some(haswell), &cwasm);
    assert!(
        output.status.success(),
        "a Haswell refused the .cwasm: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let wasm = std::fs::read(common::component("hello-world")).unwrap();
    let native = engine::new_engine(16 << 20, Concurrency::Sequential)
        .unwrap()
        .precompile_component(&wasm)
        .unwrap();
    let native_cwasm = dir.path().join("native.cwasm");
    std::fs::write(&native_cwasm, native).unwrap();
    assert!(check(None, &native_cwasm).status.success());
    if std::arch::is_x86_feature_detected!("avx512f") {
        let output = check(Some(haswell), &native_cwasm);
        assert!(!output.status.success(), "compiled for this CPU, it loaded");
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(log.contains("not available on the host"), "{log}");
    } else {
        eprintln!("this machine has no AVX-512: only the baseline half of the test ran");
    }
}

/// A `.cwasm` of the other architecture (`make lambda-sim-arm64` packages an arm64 one into
/// target/deploy-arm64, compiled by the arm64 layer's bootstrap, and runs this test) is refused
/// by this bootstrap, naming the architecture it was compiled for and this build: the mismatch
/// the wrong architecture's code would meet at Init, caught by `bootstrap check`.
#[cfg(target_arch = "x86_64")]
#[test]
#[ignore = "needs target/deploy-arm64 from `make lambda-sim-arm64`, which runs it"]
fn a_cwasm_for_the_other_architecture_is_refused_naming_it() {
    let arm64 = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/deploy-arm64/HelloWorldFunction/hello_world.cwasm");
    assert!(arm64.is_file(), "{} is missing", arm64.display());
    let output = check(None, &arm64);
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("Module was compiled for architecture 'aarch64'"),
        "{log}"
    );
    assert!(log.contains(engine::BUILD), "{log}");
}
