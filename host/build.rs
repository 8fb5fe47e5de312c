//! Records the contract's WIT package (`lambda-wasm:proxy@0.1.1`, the components this build
//! runs) for `bootstrap --version`, resolved from `wit/` by wit-parser as bindgen resolves it.

use std::path::Path;

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    let mut resolve = wit_parser::Resolve::default();
    let (package, sources) = match resolve.push_dir(&wit) {
        Ok(resolved) => resolved,
        Err(err) => panic!("{} is not the contract's WIT: {err:#}", wit.display()),
    };
    for file in sources.paths() {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let name = &resolve.packages[package].name;
    println!("cargo:rustc-env=BOOTSTRAP_WIT_PACKAGE={name}");
}
