//! The Wasmtime engine every component of this process is compiled for: compilation settings,
//! the instance allocator and the epoch clock that enforces deadlines; and ahead-of-time
//! compilation for a Lambda architecture ([`target`]).

mod epoch;
mod pooling;
mod target;

use std::path::Path;

use anyhow::Context as _;
use wasmtime::{Config, Engine, ModuleVersionStrategy};

pub use self::epoch::{EPOCH_TICK, ticks_until};
pub use self::pooling::Concurrency;
pub use self::target::Architecture;

/// Which build of `bootstrap` compiled a `.cwasm`, recorded in it and checked when it is loaded:
/// a `.cwasm` loads only in the build that made it (or one built from the same sources), so a
/// component compiled by an older layer is refused with both names, never run. `host/build.rs`
/// derives the build from the host's sources, the contract and `Cargo.lock`.
pub const BUILD: &str = concat!(
    "lambda-wasm bootstrap ",
    env!("CARGO_PKG_VERSION"),
    " build ",
    env!("BOOTSTRAP_BUILD_ID")
);

/// Deep recursion traps here rather than overflowing the host's stack.
const MAX_WASM_STACK: usize = 512 << 10;

/// Builds the engine for guests that may each use `memory_bytes` of linear memory, with its
/// epoch clock running.
///
/// Instances come from a pooling allocator (copy-on-write memory images, slots reused without
/// new mappings) when the address space for it can be reserved, else from on-demand allocation.
/// Both use the same compilation settings, so a `.cwasm` from `bootstrap compile` loads in either.
pub fn new_engine(memory_bytes: usize, concurrency: Concurrency) -> anyhow::Result<Engine> {
    let mut config = compilation_config();
    config.allocation_strategy(pooling::strategy(memory_bytes, concurrency));
    let engine = match Engine::new(&config) {
        Ok(engine) => engine,
        Err(err) => {
            tracing::warn!("the pooling allocator is unavailable, allocating on demand: {err}");
            Engine::new(&compilation_config())
                .map_err(anyhow::Error::from)
                .context("configuring the Wasmtime engine")?
        }
    };
    epoch::start_clock(&engine);
    Ok(engine)
}

/// What a compiled component depends on. `bootstrap compile` and every engine share it; an
/// engine that runs components compiles a `.wasm` for this host's own CPU.
fn compilation_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.max_wasm_stack(MAX_WASM_STACK);
    config.memory_init_cow(true);
    config
        .module_version(ModuleVersionStrategy::Custom(BUILD.to_owned()))
        .expect("Wasmtime refuses only versions of 256 bytes or more; BUILD is a few dozen");
    config
}

/// `bootstrap compile`: compiles the component at `input` ahead of time into a `.cwasm` at
/// `output` for this architecture's Lambda CPU baseline, which this build of `bootstrap` then
/// loads without compiling on any Lambda host of the architecture. Wasmtime is built for its
/// host's architecture only, so an arm64 `.cwasm` comes from an arm64 `bootstrap` (the layer's,
/// under qemu-user on another machine).
pub fn precompile(input: &Path, output: &Path) -> anyhow::Result<()> {
    let architecture = Architecture::host().context(
        "this machine's architecture is not one Lambda runs: compile with the layer's bootstrap \
         on an x86_64 or arm64 machine",
    )?;
    let wasm =
        std::fs::read(input).with_context(|| format!("reading component {}", input.display()))?;
    let mut config = compilation_config();
    // A target given explicitly keeps Cranelift from using the build machine's CPU features.
    config.target(architecture.triple())?;
    for flag in architecture.baseline_flags() {
        // SAFETY: these are CPU features only; a `.cwasm` records them, and Wasmtime refuses to
        // load it on a host that lacks one.
        #[allow(unsafe_code)]
        unsafe {
            config.cranelift_flag_enable(flag);
        }
    }
    let engine = Engine::new(&config)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("configuring Wasmtime to compile for {architecture}"))?;
    let compiled = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {}", input.display()))?;
    std::fs::write(output, compiled).with_context(|| format!("writing {}", output.display()))
}
