//! The handler component: compiled and linked once, instantiated fresh for every request, each
//! instance inside its own limits and deadline.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap,
};

use crate::bindings::{Handler, HandlerPre, InvocationContext, Request, Response};
use crate::config::GuestConfig;
use crate::state::{HostState, remaining_ms};

/// How often the engine's epoch advances: the resolution of guest deadlines.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Deep recursion traps here rather than overflowing the host's stack.
const MAX_WASM_STACK: usize = 512 << 10;

/// Why the guest gave no response.
#[derive(Debug, thiserror::Error)]
pub enum GuestFailure {
    /// The guest returned its typed `handler-error`.
    #[error("the handler returned an error: {0}")]
    Handler(String),
    /// The guest was still running at its deadline.
    #[error("the handler ran past its deadline")]
    Deadline,
    /// The guest trapped (a panic, `unreachable`, a stack overflow, memory it could not get, ...)
    /// or could not be instantiated.
    #[error("the handler trapped: {0:?}")]
    Trap(wasmtime::Error),
}

/// What one call cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallStats {
    pub instantiate: Duration,
    pub run: Duration,
    /// The largest linear memory the instance grew to, in bytes.
    pub memory_peak: usize,
}

/// The result of one call, and what it cost.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Response, GuestFailure>,
    pub stats: CallStats,
}

/// How many instances run at once: the pooling allocator reserves a slot for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// Lambda and `invoke`: one invocation at a time.
    Sequential,
    /// `serve`: many requests at once.
    Concurrent,
}

/// The engine every component of this process is compiled for, with its epoch clock running.
///
/// Instances come from a pooling allocator (copy-on-write memory images, slots reused without
/// new mappings) when the address space for it can be reserved, else from on-demand allocation.
/// Both use the same compilation settings, so a `.cwasm` from `bootstrap compile` loads in either.
pub fn new_engine(guest: &GuestConfig, concurrency: Concurrency) -> anyhow::Result<Engine> {
    let mut config = compilation_config();
    config.allocation_strategy(pooling(guest, concurrency));
    let engine = match Engine::new(&config) {
        Ok(engine) => engine,
        Err(err) => {
            tracing::warn!("the pooling allocator is unavailable, allocating on demand: {err}");
            Engine::new(&compilation_config())
                .map_err(anyhow::Error::from)
                .context("configuring the Wasmtime engine")?
        }
    };
    start_epoch_clock(&engine);
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

fn pooling(guest: &GuestConfig, concurrency: Concurrency) -> InstanceAllocationStrategy {
    let instances = match concurrency {
        Concurrency::Sequential => 4,
        Concurrency::Concurrent => 256,
    };
    // Memory a slot keeps mapped between instances, reset in place instead of unmapped. With
    // Linux's PAGEMAP_SCAN (6.7+) only the pages the guest dirtied are reset, so a larger region
    // costs nothing; without it the whole region is memset every time, so it stays small.
    let keep_resident = if pagemap_scan_supported() {
        1 << 20
    } else {
        64 << 10
    };
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances * 8)
        .total_memories(instances * 2)
        .total_tables(instances * 8)
        .total_stacks(instances)
        .max_memory_size(guest.memory_bytes)
        .pagemap_scan(Enabled::Auto)
        .linear_memory_keep_resident(keep_resident)
        .table_keep_resident(64 << 10);
    InstanceAllocationStrategy::Pooling(pool)
}

/// Whether the kernel has the PAGEMAP_SCAN ioctl (Linux 6.7), which Wasmtime uses to reset
/// only dirty pages when it is there.
fn pagemap_scan_supported() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<u32>().ok());
    (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0)) >= (6, 7)
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

/// Advances the epoch every tick until the engine is dropped.
fn start_epoch_clock(engine: &Engine) {
    let engine = engine.weak();
    let clock = std::thread::Builder::new()
        .name("epoch-clock".to_owned())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(err) = clock {
        tracing::error!(
            "could not start the epoch clock; guest deadlines rely on the async timeout alone: {err}"
        );
    }
}

/// Loads components: one engine and one guest configuration for the whole process.
#[derive(Clone)]
pub struct Loader {
    engine: Engine,
    config: Arc<GuestConfig>,
}

impl Loader {
    /// Reads the guest configuration from the environment and builds the engine.
    pub fn from_env(concurrency: Concurrency) -> anyhow::Result<Self> {
        let config = GuestConfig::from_env()?;
        Ok(Self {
            engine: new_engine(&config, concurrency)?,
            config: Arc::new(config),
        })
    }

    /// Loads the component at `path`; see [`HandlerComponent::load`].
    pub fn load(&self, path: &Path) -> anyhow::Result<HandlerComponent> {
        HandlerComponent::load(&self.engine, path, self.config.clone())
    }
}

/// A `handler`-world component, compiled and pre-linked against WASI and the host's imports.
#[derive(Clone)]
pub struct HandlerComponent {
    engine: Engine,
    pre: HandlerPre<HostState>,
    config: Arc<GuestConfig>,
}

impl HandlerComponent {
    /// Compiles the component at `path` (or loads it precompiled, from a `.cwasm`) and checks
    /// that it is a component of the `handler` world whose imports this host provides.
    pub fn load(engine: &Engine, path: &Path, config: Arc<GuestConfig>) -> anyhow::Result<Self> {
        let component = read_component(engine, path)?;
        Self::link(engine, &component, config).with_context(|| {
            format!(
                "{} is not a component of the `handler` world",
                path.display()
            )
        })
    }

    fn link(
        engine: &Engine,
        component: &Component,
        config: Arc<GuestConfig>,
    ) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Handler::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        let pre = HandlerPre::new(linker.instantiate_pre(component)?)?;
        Ok(Self {
            engine: engine.clone(),
            pre,
            config,
        })
    }

    /// Runs `request` on a new instance that must finish before the invocation's deadline less
    /// the configured margin. The store, and with it everything the guest did, is dropped
    /// before this returns, whatever happened.
    pub async fn handle(&self, request: &Request, invocation: InvocationContext) -> Outcome {
        let (mut store, budget) = self.new_store(invocation);
        let mut stats = CallStats::default();
        // The epoch stops guest code; the timeout also stops a guest blocked in a host call.
        let call = self.call(&mut store, request, &mut stats);
        let result = tokio::time::timeout(budget + 2 * EPOCH_TICK, call)
            .await
            .unwrap_or(Err(GuestFailure::Deadline));

        let state = store.data();
        state.log_guest_output();
        stats.memory_peak = state.limits.memory_peak;
        if state.limits.memory_refused {
            tracing::warn!(
                cap_mib = state.limits.memory_cap() >> 20,
                "the guest asked for more memory than its cap"
            );
        }
        Outcome { result, stats }
    }

    /// A store for one invocation, with its limits and its deadline set.
    fn new_store(&self, invocation: InvocationContext) -> (Store<HostState>, Duration) {
        let budget = Duration::from_millis(remaining_ms(invocation.deadline_epoch_ms))
            .saturating_sub(self.config.deadline_margin);
        let mut store = Store::new(&self.engine, HostState::new(&self.config, invocation));
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(budget.as_millis().div_ceil(EPOCH_TICK.as_millis()) as u64);
        store.epoch_deadline_trap();
        (store, budget)
    }

    /// Creates a fresh store and instance and drops them, as every call does: what
    /// instantiation costs, for benchmarks.
    pub async fn instantiate_only(&self, invocation: InvocationContext) -> wasmtime::Result<()> {
        let (mut store, _) = self.new_store(invocation);
        self.pre.instantiate_async(&mut store).await.map(drop)
    }

    /// One instance for repeated calls, to measure the guest call alone. Requests never share
    /// an instance; this exists for benchmarks only.
    pub async fn reusable_instance(
        &self,
        invocation: InvocationContext,
    ) -> wasmtime::Result<ReusableInstance> {
        let (mut store, _) = self.new_store(invocation);
        let handler = self.pre.instantiate_async(&mut store).await?;
        Ok(ReusableInstance { store, handler })
    }

    async fn call(
        &self,
        store: &mut Store<HostState>,
        request: &Request,
        stats: &mut CallStats,
    ) -> Result<Response, GuestFailure> {
        let started = Instant::now();
        let handler = self
            .pre
            .instantiate_async(&mut *store)
            .await
            .map_err(classify_trap)?;
        stats.instantiate = started.elapsed();
        let result = handler.call_handle(&mut *store, request).await;
        stats.run = started.elapsed() - stats.instantiate;
        match result {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(GuestFailure::Handler(error.message)),
            Err(trap) => Err(classify_trap(trap)),
        }
    }
}

/// An instance kept across calls; see [`HandlerComponent::reusable_instance`].
pub struct ReusableInstance {
    store: Store<HostState>,
    handler: Handler,
}

impl ReusableInstance {
    /// Calls the guest's `handle` again on the same instance.
    pub async fn call(&mut self, request: &Request) -> wasmtime::Result<Response> {
        let response = self.handler.call_handle(&mut self.store, request).await?;
        response.map_err(|error| {
            wasmtime::format_err!("the handler returned an error: {}", error.message)
        })
    }
}

fn read_component(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    let reading = || format!("reading component {}", path.display());
    let mut magic = [0; 4];
    let read =
        std::fs::File::open(path).and_then(|mut file| std::io::Read::read(&mut file, &mut magic));
    read.with_context(reading)?;
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
    // itself. Wasmtime refuses one from another Wasmtime version, configuration or CPU with an
    // error, checked here before any of it runs.
    unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from).with_context(|| {
        format!("loading {}: a .cwasm must be compiled by this same bootstrap (`bootstrap compile`)", path.display())
    })
}

fn classify_trap(error: wasmtime::Error) -> GuestFailure {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => GuestFailure::Deadline,
        _ => GuestFailure::Trap(error),
    }
}
