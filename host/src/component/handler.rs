//! A component of the contract's `handler` world: pre-linked once, and for each invocation a
//! fresh store and instance whose `handle` runs the request.

use std::sync::Arc;
use std::time::Instant;

#[cfg(feature = "bench")]
use std::time::Duration;
use tokio::sync::Semaphore;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use super::instance::Instances;
use super::{CallStats, GuestFailure, Outcome};
use crate::bindings::{HandlerPre, Request, Response};
use crate::config::GuestConfig;
use crate::sandbox::{self, HostState, Invocation};

/// A `handler`-world component, compiled and pre-linked against the host's capabilities.
#[derive(Clone)]
pub struct HandlerComponent {
    instances: Instances,
    pub(super) pre: HandlerPre<HostState>,
}

impl HandlerComponent {
    /// Pre-links `component`, checking that it is a component of the `handler` world whose
    /// imports this host provides. At most as many invocations as `slots` has permits run at
    /// once.
    pub(super) fn link(
        engine: &Engine,
        component: &Component,
        config: Arc<GuestConfig>,
        slots: Arc<Semaphore>,
    ) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        sandbox::add_to_linker(&mut linker)?;
        let pre = HandlerPre::new(linker.instantiate_pre(component)?)?;
        Ok(Self {
            instances: Instances::new(engine, config, slots),
            pre,
        })
    }

    /// Runs `request` on a new instance that must finish before the invocation's deadline less
    /// the configured margin; see [`Instances::run`].
    pub async fn handle(&self, request: &Request, invocation: Invocation) -> Outcome {
        let (result, stats) = self
            .instances
            .run(invocation, async |store, stats| {
                self.call(store, request, stats).await
            })
            .await;
        Outcome { result, stats }
    }

    /// A store for one invocation, and the time the guest has.
    #[cfg(feature = "bench")]
    pub(super) fn new_store(&self, invocation: Invocation) -> (Store<HostState>, Duration) {
        self.instances.new_store(invocation)
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
            .map_err(GuestFailure::from_wasmtime)?;
        stats.instantiate = started.elapsed();
        let result = handler.call_handle(&mut *store, request).await;
        stats.run = started.elapsed() - stats.instantiate;
        match result {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(GuestFailure::Handler(error.message)),
            Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
        }
    }
}
