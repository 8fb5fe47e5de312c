//! Components: read and compiled once, linked against the [`sandbox`](crate::sandbox), and
//! instantiated fresh for every invocation, each instance inside its own limits and deadline.
//! One file per component world the host runs; today the contract's `handler` world.

#[cfg(feature = "bench")]
mod bench;
mod failure;
mod file;
mod handler;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use wasmtime::Engine;

#[cfg(feature = "bench")]
pub use self::bench::ReusableInstance;
pub use self::failure::GuestFailure;
pub use self::handler::HandlerComponent;
use crate::bindings::Response;
use crate::config::GuestConfig;
use crate::engine::{self, Concurrency};

/// What one call cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallStats {
    /// Creating the instance.
    pub instantiate: Duration,
    /// The guest's `handle`.
    pub run: Duration,
    /// The most linear memory the instance had, all its memories together, in bytes.
    pub memory_peak: usize,
}

/// The result of one call, and what it cost.
#[derive(Debug)]
pub struct Outcome {
    /// The guest's response, or why there is none.
    pub result: Result<Response, GuestFailure>,
    /// What the call cost.
    pub stats: CallStats,
}

/// Loads components: one engine, one guest configuration and one set of instance slots for the
/// whole process.
#[derive(Clone)]
pub struct Loader {
    engine: Engine,
    config: Arc<GuestConfig>,
    slots: Arc<Semaphore>,
}

impl Loader {
    /// Reads the guest configuration from the environment and builds the engine.
    pub fn from_env(concurrency: Concurrency) -> anyhow::Result<Self> {
        Self::new(GuestConfig::from_env()?, concurrency)
    }

    /// Builds the engine for guests within `config`.
    pub fn new(config: GuestConfig, concurrency: Concurrency) -> anyhow::Result<Self> {
        Ok(Self {
            engine: engine::new_engine(config.memory_bytes, concurrency)?,
            config: Arc::new(config),
            // Every component this loader loads shares the engine's pool, so they share slots.
            slots: Arc::new(Semaphore::new(concurrency.instances() as usize)),
        })
    }

    /// Loads the component at `path`; see [`HandlerComponent::load`].
    pub fn load(&self, path: &Path) -> anyhow::Result<HandlerComponent> {
        HandlerComponent::load(&self.engine, path, self.config.clone(), self.slots.clone())
    }
}
