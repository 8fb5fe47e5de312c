//! What `bootstrap --version` and every `.cwasm` record of this build: the contract's WIT
//! package (`lambda-wasm:proxy@0.1.1`, resolved from `wit/` by wit-parser as bindgen resolves
//! it), and the build's identity, a hash of everything that decides what the host makes of a
//! component: its sources, the contract and `Cargo.lock` (Wasmtime's version among the rest).
//! The hash leaves out the machine and the target, so that every build of one source tree (an
//! x86_64 one and an arm64 one) agrees on it.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

fn main() {
    let host = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = host.join("..");
    let wit = root.join("wit");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = match resolve.push_dir(&wit) {
        Ok(resolved) => resolved,
        Err(err) => panic!("{} is not the contract's WIT: {err:#}", wit.display()),
    };
    let name = &resolve.packages[package].name;
    println!("cargo:rustc-env=BOOTSTRAP_WIT_PACKAGE={name}");

    let inputs = [
        host.join("src"),
        host.join("Cargo.toml"),
        host.join("build.rs"),
        wit,
        root.join("Cargo.lock"),
    ];
    let mut files = Vec::new();
    for input in &inputs {
        println!("cargo:rerun-if-changed={}", input.display());
        collect(input, &mut files);
    }
    files.sort();
    let mut hash = Sha256::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap_or(file);
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        match std::fs::read(file) {
            Ok(bytes) => hash.update(&bytes),
            Err(err) => panic!("reading {}: {err}", file.display()),
        }
        hash.update([0]);
    }
    let digest = hash.finalize();
    let id: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    println!("cargo:rustc-env=BOOTSTRAP_BUILD_ID={id}");
}

/// Every file under `path` (or `path` itself).
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_owned());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(err) => panic!("reading {}: {err}", path.display()),
    };
    for entry in entries.flatten() {
        collect(&entry.path(), files);
    }
}
