//! What every component kind shares for one invocation: an instance slot, a store inside the
//! guest's limits and deadline (a new one, or a kept instance's given to the invocation), and the
//! log and stats taken from it once the guest is done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};

use super::kept::{Kept, KeptKey};
use super::{CallStats, GuestFailure};
use crate::engine::{self, EPOCH_TICK};
use crate::sandbox::GuestConfig;
use crate::sandbox::{self, HostState, LambdaContext};
use crate::wall_clock;

/// The engine, the guest configuration and the instance slots a component's invocations use.
#[derive(Clone)]
pub(super) struct Instances {
    engine: Engine,
    config: Arc<GuestConfig>,
    /// One permit per instance the engine's pool has room for.
    slots: Arc<Semaphore>,
    /// The instances kept between invocations, of every component of the loader.
    kept: Arc<Kept>,
}

impl Instances {
    pub(super) fn new(
        engine: &Engine,
        config: Arc<GuestConfig>,
        slots: Arc<Semaphore>,
        kept: Arc<Kept>,
    ) -> Self {
        Self {
            engine: engine.clone(),
            config,
            slots,
            kept,
        }
    }

    /// What the guest may use.
    pub(super) fn config(&self) -> &GuestConfig {
        &self.config
    }

    /// A key for one component's kept instances.
    pub(super) fn kept_key(&self) -> KeptKey {
        self.kept.key()
    }

    /// `component` linked against the host's capabilities, whatever its world; an error names
    /// the import the host does not provide.
    pub(super) fn link(&self, component: &Component) -> anyhow::Result<InstancePre<HostState>> {
        let mut linker = Linker::new(&self.engine);
        sandbox::add_to_linker(&mut linker)?;
        Ok(linker.instantiate_pre(component)?)
    }

    /// Instantiates the component on a new store with `instantiate`, then runs `call` on the
    /// instance, all of it before the invocation's deadline less the configured margin, and
    /// notes how long each step took; then wraps up. The store, and with it everything the
    /// guest did, is dropped before this returns, whatever happened. When every instance slot is
    /// taken, the call waits for one until that deadline, then fails with
    /// [`GuestFailure::PoolFull`].
    pub(super) async fn run<I, T>(
        &self,
        invocation: LambdaContext,
        instantiate: impl AsyncFnOnce(&mut Store<HostState>) -> wasmtime::Result<I>,
        call: impl AsyncFnOnce(I, &mut Store<HostState>) -> Result<T, GuestFailure>,
    ) -> (Result<T, GuestFailure>, CallStats) {
        let mut stats = CallStats::default();
        let Some(_slot) = self.slot(&invocation).await else {
            return (Err(GuestFailure::PoolFull), stats);
        };
        let (mut store, budget) = self.new_store(invocation);
        let timed = async {
            let started = Instant::now();
            let instance = instantiate(&mut store)
                .await
                .map_err(GuestFailure::from_wasmtime)?;
            stats.instantiate = started.elapsed();
            let result = call(instance, &mut store).await;
            stats.run = started.elapsed() - stats.instantiate;
            result
        };
        // The epoch stops guest code; the timeout also stops a guest blocked in a host call.
        let result = tokio::time::timeout(budget + 2 * EPOCH_TICK, timed)
            .await
            .unwrap_or(Err(GuestFailure::Deadline));
        wrap_up(store.data(), &mut stats);
        (result, stats)
    }

    /// A free instance slot, waited for until the invocation's budget is spent; `None` when
    /// none came free.
    pub(super) async fn slot(&self, invocation: &LambdaContext) -> Option<SemaphorePermit<'_>> {
        wait_for_slot(&self.slots, self.budget(invocation)).await
    }

    /// A store for one invocation, with its limits and its deadline set, and the time the guest
    /// has.
    pub(super) fn new_store(&self, invocation: LambdaContext) -> (Store<HostState>, Duration) {
        let budget = self.budget(&invocation);
        let mut store = Store::new(&self.engine, HostState::new(&self.config, invocation));
        store.limiter(|state| &mut state.limits);
        set_deadline(&mut store, budget);
        (store, budget)
    }

    /// Gives a kept instance's `store` to a new invocation: its state and its deadline; and the
    /// time the guest has.
    pub(super) fn renew_store(
        &self,
        store: &mut Store<HostState>,
        invocation: LambdaContext,
    ) -> Duration {
        let budget = self.budget(&invocation);
        store.data_mut().begin(&self.config, invocation);
        set_deadline(store, budget);
        budget
    }

    /// The time the guest has: until the invocation's deadline less the configured margin.
    pub(super) fn budget(&self, invocation: &LambdaContext) -> Duration {
        Duration::from_millis(wall_clock::remaining_ms(
            invocation.context.deadline_epoch_ms,
        ))
        .saturating_sub(self.config.deadline_margin)
    }
}

/// Logs what the guest wrote and what it asked for past its memory cap, and notes its memory
/// peak in `stats`: once per invocation, when the guest is done.
pub(super) fn wrap_up(state: &HostState, stats: &mut CallStats) {
    state.log_guest_output();
    stats.memory_peak = state.limits.memory_peak;
    if state.limits.memory_refused {
        tracing::warn!(
            cap_mib = state.limits.memory_cap() >> 20,
            "the guest asked for more memory than its cap"
        );
    }
}

/// Stops the guest's code once `budget` has passed. Guest code yields to the executor at every
/// tick, so that a guest spinning until its deadline cannot hold a worker thread that other
/// requests are waiting for; the last tick of its budget stops it.
fn set_deadline(store: &mut Store<HostState>, budget: Duration) {
    let mut ticks_left = engine::ticks_until(budget);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        ticks_left = ticks_left.saturating_sub(1);
        Ok(at_tick(ticks_left))
    });
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
