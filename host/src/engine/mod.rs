//! The Wasmtime engine every component of this process is compiled for: compilation settings,
//! the instance allocator and the epoch clock that enforces deadlines.

mod epoch;
mod pooling;

use std::path::Path;

use anyhow::Context as _;
use wasmtime::{Config, Engine};

pub use self::epoch::{EPOCH_TICK, ticks_until};
pub use self::pooling::Concurrency;

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

/// What a compiled component depends on. `bootstrap compile` and every engine share it.
fn compilation_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.max_wasm_stack(MAX_WASM_STACK);
    config.memory_init_cow(true);
    config
}

/// `bootstrap compile`: compiles the component at `input` ahead of time into a `.cwasm` at
/// `output`, which this same `bootstrap` then loads without compiling.
pub fn precompile(input: &Path, output: &Path) -> anyhow::Result<()> {
    let wasm =
        std::fs::read(input).with_context(|| format!("reading component {}", input.display()))?;
    let engine = Engine::new(&compilation_config()).map_err(anyhow::Error::from)?;
    let compiled = engine
        .precompile_component(&wasm)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling {}", input.display()))?;
    std::fs::write(output, compiled).with_context(|| format!("writing {}", output.display()))
}
