//! Records what `bootstrap --version` prints besides its own version: the Wasmtime it links
//! (a `.cwasm` loads only in the same one) and the contract's WIT package (the components it
//! runs), read from the workspace's `Cargo.lock` and `wit/proxy.wit`.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let lock = root.join("Cargo.lock");
    let wit = root.join("wit/proxy.wit");
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed={}", wit.display());

    let lock = std::fs::read_to_string(&lock).unwrap_or_default();
    let wasmtime = locked_version(&lock, "wasmtime").unwrap_or("unknown");
    let wit = std::fs::read_to_string(&wit).unwrap_or_default();
    let package = wit
        .lines()
        .find_map(|line| line.trim().strip_prefix("package "))
        .map_or("unknown", |package| package.trim_end_matches(';').trim());
    println!("cargo:rustc-env=BOOTSTRAP_WASMTIME_VERSION={wasmtime}");
    println!("cargo:rustc-env=BOOTSTRAP_WIT_PACKAGE={package}");
}

/// The version `Cargo.lock` holds for the package `name`.
fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let name_line = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    lines.find(|line| *line == name_line)?;
    lines
        .next()?
        .strip_prefix("version = \"")?
        .strip_suffix('"')
}
