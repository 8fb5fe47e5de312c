//! `bootstrap`'s command line itself: what `--version` tells a user about which `.cwasm` files
//! and components fit this binary.

#![allow(clippy::unwrap_used)] // a failed step is a failed test

mod common;

use std::path::Path;

fn workspace_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)).unwrap()
}

#[test]
fn version_names_the_wasmtime_and_the_contract_it_was_built_with() {
    let output = common::bootstrap().arg("--version").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let version = String::from_utf8(output.stdout).unwrap();

    let manifest = workspace_file("Cargo.toml");
    let wasmtime_major = manifest
        .lines()
        .find_map(|line| line.strip_prefix("wasmtime = { version = \""))
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let wit = workspace_file("wit/proxy.wit");
    let package = wit
        .lines()
        .find_map(|line| line.strip_prefix("package "))
        .unwrap()
        .trim_end_matches(';');

    assert!(
        version.starts_with(&format!("bootstrap {} ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(
        version.contains(&format!("wasmtime {wasmtime_major}.")),
        "{version}"
    );
    assert!(
        version.contains(&format!("contract {package}")),
        "{version}"
    );
}
