//! Reading a component from disk: a `.wasm` is compiled, a `.cwasm` from `bootstrap compile` is
//! memory-mapped as it is.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use wasmtime::Engine;

use crate::engine::{self, Architecture};
use wasmtime::component::Component;

/// Compiles the component at `path`, or loads it precompiled when it is a `.cwasm`.
pub(super) fn read(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    let reading = || format!("reading component {}", path.display());
    let mut magic = [0; 4];
    std::fs::File::open(path)
        .and_then(|mut file| file.read(&mut magic))
        .with_context(reading)?;
    // `bootstrap compile` writes ELF; Wasmtime checks the rest before loading it.
    if magic == *b"\x7fELF" {
        return deserialize(engine, path);
    }
    let bytes = std::fs::read(path).with_context(reading)?;
    Component::new(engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {}: not a WebAssembly component", path.display()))
}

/// Loads a `.cwasm` made by `bootstrap compile`, memory-mapped.
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    // SAFETY: Wasmtime runs the machine code in a `.cwasm` as it is, so the file must come from
    // `bootstrap compile`: it is part of the function's code, trusted as much as `bootstrap`
    // itself. Wasmtime refuses one from another build (the version it records, `engine::BUILD`,
    // is the build's), another architecture or a CPU feature this host lacks, with an error
    // that names what the file was compiled by, checked here before any of it runs.
    unsafe { Component::deserialize_file(engine, path) }
        .map_err(anyhow::Error::from)
        .with_context(|| {
            format!(
                "loading {}: a .cwasm must be compiled by this same bootstrap, {} for {}: \
                 compile the component again with it (`bootstrap compile COMPONENT.wasm -o {}`)",
                path.display(),
                engine::BUILD,
                Architecture::host().map_or("this machine".to_owned(), |arch| arch.to_string()),
                path.display()
            )
        })
}
