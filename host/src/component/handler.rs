//! A component of the contract's `handler` world: pre-linked once, and for each invocation a
//! fresh store and instance whose `handle` runs the request.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::sync::{Semaphore, SemaphorePermit};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};

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
    /// One permit per instance the engine's pool has room for.
    slots: Arc<Semaphore>,
}

impl HandlerComponent {
    /// Compiles the component at `path` (or loads it precompiled, from a `.cwasm`) and checks
    /// that it is a component of the `handler` world whose imports this host provides. At most
    /// as many invocations as `slots` has permits run at once.
    pub fn load(
        engine: &Engine,
        path: &Path,
        config: Arc<GuestConfig>,
        slots: Arc<Semaphore>,
    ) -> anyhow::Result<Self> {
        let component = file::read(engine, path)?;
        Self::link(engine, &component, config, slots).with_context(|| {
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
        slots: Arc<Semaphore>,
    ) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine);
        sandbox::add_to_linker(&mut linker)?;
        let pre = HandlerPre::new(linker.instantiate_pre(component)?)?;
        Ok(Self {
            engine: engine.clone(),
            pre,
            config,
            slots,
        })
    }

    /// Runs `request` on a new instance that must finish before the invocation's deadline less
    /// the configured margin. The store, and with it everything the guest did, is dropped
    /// before this returns, whatever happened. When every instance slot is taken, the request
    /// waits for one until that deadline, then fails with [`GuestFailure::PoolFull`].
    pub async fn handle(&self, request: &Request, invocation: InvocationContext) -> Outcome {
        let Some(_slot) = wait_for_slot(&self.slots, self.budget(&invocation)).await else {
            return Outcome {
                result: Err(GuestFailure::PoolFull),
                stats: CallStats::default(),
            };
        };
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
        let budget = self.budget(&invocation);
        let mut store = Store::new(&self.engine, HostState::new(&self.config, invocation));
        store.limiter(|state| &mut state.limits);
        // Guest code yields to the executor at every tick, so that a guest spinning until its
        // deadline cannot hold a worker thread that other requests are waiting for; the last
        // tick of its budget stops it.
        let mut ticks_left = engine::ticks_until(budget);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            ticks_left = ticks_left.saturating_sub(1);
            Ok(at_tick(ticks_left))
        });
        (store, budget)
    }

    /// The time the guest has: until the invocation's deadline less the configured margin.
    fn budget(&self, invocation: &InvocationContext) -> Duration {
        Duration::from_millis(wall_clock::remaining_ms(invocation.deadline_epoch_ms))
            .saturating_sub(self.config.deadline_margin)
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

/// What a guest still running at an epoch tick does, with `ticks_left` of its budget: stop at
/// the last one, else yield to the executor and run on until the next.
fn at_tick(ticks_left: u64) -> UpdateDeadline {
    if ticks_left == 0 {
        UpdateDeadline::Interrupt
    } else {
        UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
    }
}

/// A permit from `slots`, waiting at most `budget` for one; `None` when none came free.
async fn wait_for_slot(slots: &Semaphore, budget: Duration) -> Option<SemaphorePermit<'_>> {
    match tokio::time::timeout(budget, slots.acquire()).await {
        Ok(Ok(permit)) => Some(permit),
        // Timed out, or closed (never: nothing closes it).
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_guest_yields_at_each_tick_and_stops_at_the_last() {
        assert!(matches!(at_tick(0), UpdateDeadline::Interrupt));
        assert!(matches!(at_tick(1), UpdateDeadline::YieldCustom(1, _)));
        assert!(matches!(at_tick(300), UpdateDeadline::YieldCustom(1, _)));
    }

    #[tokio::test]
    async fn a_request_gets_a_free_slot_and_none_when_the_pool_stays_full() {
        let slots = Semaphore::new(1);
        let held = wait_for_slot(&slots, Duration::ZERO).await;
        assert!(held.is_some(), "a free slot is taken at once");
        assert!(wait_for_slot(&slots, Duration::ZERO).await.is_none());
        drop(held);
        assert!(wait_for_slot(&slots, Duration::ZERO).await.is_some());
    }
}
