//! The handler component: compiled and linked once, instantiated fresh for every request.

use std::path::Path;

use anyhow::Context as _;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store};

use crate::bindings::{Handler, HandlerPre, InvocationContext, Request, Response};
use crate::state::HostState;

/// Why the guest gave no response.
#[derive(Debug, thiserror::Error)]
pub enum GuestFailure {
    /// The guest returned its typed `handler-error`.
    #[error("the handler returned an error: {0}")]
    Handler(String),
    /// The guest trapped (a panic, `unreachable`, an out-of-bounds access, ...) or could not be
    /// instantiated.
    #[error("the handler trapped: {0:?}")]
    Trap(wasmtime::Error),
}

/// The engine every component of this process is compiled for.
pub fn new_engine() -> anyhow::Result<Engine> {
    let config = Config::new();
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("configuring the Wasmtime engine")
}

/// A `handler`-world component, compiled and pre-linked against WASI and the host's imports.
#[derive(Clone)]
pub struct HandlerComponent {
    engine: Engine,
    pre: HandlerPre<HostState>,
}

impl HandlerComponent {
    /// Compiles the component at `path` and checks that it is a component of the `handler`
    /// world whose imports this host provides.
    pub fn load(engine: &Engine, path: &Path) -> anyhow::Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading component {}", path.display()))?;
        let component = Component::new(engine, &bytes)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!("compiling {}: not a WebAssembly component", path.display())
            })?;
        Self::link(engine, &component).with_context(|| {
            format!(
                "{} is not a component of the `handler` world",
                path.display()
            )
        })
    }

    fn link(engine: &Engine, component: &Component) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        Handler::add_to_linker::<_, HasSelf<_>>(&mut linker, |state| state)?;
        let pre = HandlerPre::new(linker.instantiate_pre(component)?)?;
        Ok(Self {
            engine: engine.clone(),
            pre,
        })
    }

    /// Runs `request` on a new instance. The store, and with it everything the guest did,
    /// is dropped before this returns, whatever happened.
    pub async fn handle(
        &self,
        request: &Request,
        invocation: InvocationContext,
    ) -> Result<Response, GuestFailure> {
        let mut store = Store::new(&self.engine, HostState::new(invocation));
        let result = self.call(&mut store, request).await;
        store.data().log_guest_output();
        result
    }

    async fn call(
        &self,
        store: &mut Store<HostState>,
        request: &Request,
    ) -> Result<Response, GuestFailure> {
        let handler = self
            .pre
            .instantiate_async(&mut *store)
            .await
            .map_err(GuestFailure::Trap)?;
        match handler.call_handle(&mut *store, request).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(GuestFailure::Handler(error.message)),
            Err(trap) => Err(GuestFailure::Trap(trap)),
        }
    }
}
