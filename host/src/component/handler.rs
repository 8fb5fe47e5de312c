//! A component of the contract's `handler` world: pre-linked once, and for each invocation a
//! fresh store and instance whose `handle` runs the request.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use super::{CallStats, GuestFailure, Outcome, file};
use crate::bindings::{HandlerPre, InvocationContext, Request, Response};
use crate::config::GuestConfig;
use crate::engine::{self, EPOCH_TICK};
use crate::sandbox::{self, HostState};
use crate::wall_clock;

/// A `handler`-world component, compiled and pre-linked against the host's capabilities.
#[derive(Clone)]
pub struct HandlerComponent {
    engine: Engine,
    pub(super) pre: HandlerPre<HostState>,
    config: Arc<GuestConfig>,
}

impl HandlerComponent {
    /// Compiles the component at `path` (or loads it precompiled, from a `.cwasm`) and checks
    /// that it is a component of the `handler` world whose imports this host provides.
    pub fn load(engine: &Engine, path: &Path, config: Arc<GuestConfig>) -> anyhow::Result<Self> {
        let component = file::read(engine, path)?;
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
        sandbox::add_to_linker(&mut linker)?;
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

    /// A store for one invocation, with its limits and its deadline set, and the time the guest
    /// has.
    pub(super) fn new_store(&self, invocation: InvocationContext) -> (Store<HostState>, Duration) {
        let budget = Duration::from_millis(wall_clock::remaining_ms(invocation.deadline_epoch_ms))
            .saturating_sub(self.config.deadline_margin);
        let mut store = Store::new(&self.engine, HostState::new(&self.config, invocation));
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(engine::ticks_until(budget));
        store.epoch_deadline_trap();
        (store, budget)
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
