//! Components: read and compiled once, linked against the [`sandbox`](crate::sandbox), and
//! instantiated fresh for every invocation, each instance inside its own limits and deadline.
//! One file per component world the host runs: the contract's `handler` and `event-handler`
//! worlds, told apart at load by what the component exports.

#[cfg(feature = "bench")]
mod bench;
mod event;
mod failure;
mod file;
mod handler;
mod instance;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Semaphore;
use wasmtime::Engine;

#[cfg(feature = "bench")]
pub use self::bench::ReusableInstance;
pub use self::event::EventComponent;
pub use self::failure::GuestFailure;
pub use self::handler::HandlerComponent;
use crate::bindings::{Request, Response};
use crate::config::GuestConfig;
use crate::engine::{self, Concurrency};
use crate::event::ResponseFormat;
use crate::sandbox::Invocation;

/// A loaded component, of one of the worlds the host runs.
#[derive(Clone)]
pub enum GuestComponent {
    /// The `handler` world: the typed request in, the typed response out.
    Handler(HandlerComponent),
    /// The `event-handler` world: the event JSON in, the function's result JSON out.
    Event(EventComponent),
}

/// One event, as each world takes it.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    /// The event JSON, as the front end sent it.
    pub json: &'a [u8],
    /// The request the event carries.
    pub request: &'a Request,
    /// The response shape the front end expects.
    pub format: ResponseFormat,
}

impl GuestComponent {
    /// Runs `event` on a fresh instance within `invocation`'s deadline.
    pub async fn handle(&self, event: Event<'_>, invocation: Invocation) -> Outcome {
        match self {
            Self::Handler(component) => component.handle(event.request, invocation).await,
            Self::Event(component) => component.handle(event.json, event.format, invocation).await,
        }
    }
}

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

    /// Compiles the component at `path` (or loads it precompiled, from a `.cwasm`), tells its
    /// world by its exports, and checks that this host provides its imports.
    pub fn load(&self, path: &Path) -> anyhow::Result<GuestComponent> {
        let component = file::read(&self.engine, path)?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let exports_fn = |name: &str| exports.iter().any(|export| export == name);
        let (config, slots) = (self.config.clone(), self.slots.clone());
        let (world, linked) = if exports_fn("handle-event") {
            let linked = EventComponent::link(&self.engine, &component, config, slots);
            ("event-handler", linked.map(GuestComponent::Event))
        } else if exports_fn("handle") {
            let linked = HandlerComponent::link(&self.engine, &component, config, slots);
            ("handler", linked.map(GuestComponent::Handler))
        } else {
            anyhow::bail!(
                "{} exports {exports:?}; bootstrap runs components that export `handle` (the \
                 `handler` world) or `handle-event` (the `event-handler` world) of wit/proxy.wit",
                path.display()
            );
        };
        linked.with_context(|| {
            format!(
                "{} is not a component of the `{world}` world",
                path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_of_neither_world_is_refused_naming_its_exports_and_the_worlds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.wasm");
        let other = wat::parse_str(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func $serve (canon lift (core func $i "f")))
                (export "serve" (func $serve)))"#,
        )
        .unwrap();
        std::fs::write(&path, other).unwrap();
        let loader = Loader::new(GuestConfig::default(), Concurrency::Sequential).unwrap();
        let err = format!("{:#}", loader.load(&path).err().unwrap());
        assert!(err.contains(r#"exports ["serve"]"#), "{err}");
        assert!(
            err.contains("`handle`") && err.contains("`handle-event`"),
            "{err}"
        );
    }
}
