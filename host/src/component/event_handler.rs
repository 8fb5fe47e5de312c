//! A component of the contract's `event-handler` world (e.g. a Python `lambda_handler` built
//! with componentize-py): an instance gets the event JSON as the front end sent it, and its
//! result JSON becomes the response by the front end's rules.
//!
//! An instance runs the component's `init` (the function's initialization code) once, then
//! serves the invocations of its execution environment one at a time, as Lambda's runtimes keep
//! their process ([`InstanceScope::Environment`]); or, for isolation, each invocation gets a
//! fresh instance that runs `init` again ([`InstanceScope::Invocation`]). An instance that
//! trapped, ran past its deadline or was refused memory is dropped, as Lambda resets an
//! environment whose process crashed or timed out; one whose handler raised is kept, as there.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use wasmtime::component::{Component, ComponentExportIndex, Instance, InstancePre};
use wasmtime::{PoolConcurrencyLimitError, Store};

use super::instances::{Instances, wrap_up};
use super::kept::{KeptKey, Warm};
use super::{CallStats, GuestFailure, Outcome};
use crate::bindings::ErrorDetails;
use crate::engine::EPOCH_TICK;
use crate::event::ResponseFormat;
use crate::function_result;
use crate::sandbox::{HostState, InstanceScope, LambdaContext};

/// The world's export that handles one event.
const HANDLE_EVENT_EXPORT: &str = "handle-event";
/// The world's export that runs the function's initialization code (contract 0.1.1).
const INIT_EXPORT: &str = "init";

/// `handle-event: func(event: string) -> result<string, error-details>`.
type HandleEvent = (Result<String, ErrorDetails>,);
/// `init: func() -> result<_, error-details>`.
type Init = (Result<(), ErrorDetails>,);

/// An `event-handler`-world component, compiled and pre-linked against the host's
/// capabilities.
#[derive(Clone)]
pub struct EventComponent {
    instances: Instances,
    pre: InstancePre<HostState>,
    handle_event: ComponentExportIndex,
    /// None for a component built on the contract's 0.1.0, which has no `init`.
    init: Option<ComponentExportIndex>,
    kept: Arc<KeptKey>,
}

impl EventComponent {
    /// Links `component`, which exports the `event-handler` world, against the host's
    /// capabilities; an error names the import the host does not provide. The exports are
    /// looked up by name, so that one built on 0.1.0, without `init`, links too.
    pub(super) fn link(component: &Component, instances: Instances) -> anyhow::Result<Self> {
        let pre = instances.link(component)?;
        let handle_event = component
            .get_export_index(None, HANDLE_EVENT_EXPORT)
            .with_context(|| format!("the component has no `{HANDLE_EVENT_EXPORT}` export"))?;
        let init = component.get_export_index(None, INIT_EXPORT);
        let kept = Arc::new(instances.kept_key());
        Ok(Self {
            instances,
            pre,
            handle_event,
            init,
            kept,
        })
    }

    /// Runs `event` within the invocation's deadline, on the instance this execution
    /// environment kept or a new one (which runs `init` first), and reads its result as the
    /// front end of `format` would.
    pub async fn handle(
        &self,
        event: &[u8],
        format: ResponseFormat,
        invocation: LambdaContext,
    ) -> Outcome {
        let (result, stats) = self.result(event, invocation).await;
        let result = result.and_then(|result| Ok(function_result::to_response(&result, format)?));
        Outcome { result, stats }
    }

    /// Runs `event` within the invocation's deadline, on the instance this execution
    /// environment kept or a new one (which runs `init` first), and gives the function's result
    /// JSON as it returned it (a Lambda authorizer's answer).
    pub async fn result(
        &self,
        event: &[u8],
        invocation: LambdaContext,
    ) -> (Result<String, GuestFailure>, CallStats) {
        let mut stats = CallStats::default();
        let Some(_slot) = self.instances.slot(&invocation).await else {
            return (Err(GuestFailure::PoolFull), stats);
        };
        // `event::parse` read these bytes as JSON, so they are UTF-8.
        let event = String::from_utf8_lossy(event);
        let (mut store, mut instance, budget) = match self.take_kept() {
            Some(Warm {
                mut store,
                instance,
            }) => {
                let budget = self.instances.renew_store(&mut store, invocation);
                (store, Some(instance), budget)
            }
            None => {
                let (store, budget) = self.instances.new_store(invocation);
                (store, None, budget)
            }
        };
        let call = self.start_and_call(&mut store, &mut instance, &event, &mut stats);
        // The epoch stops guest code; the timeout also stops a guest blocked in a host call.
        let result = tokio::time::timeout(budget + 2 * EPOCH_TICK, call)
            .await
            .unwrap_or(Err(GuestFailure::Deadline));
        wrap_up(store.data(), &mut stats);
        if let Some(instance) = instance
            && self.keeps(&result, &store)
        {
            store.data_mut().end(self.instances.config());
            self.kept.put(Warm { store, instance });
        }
        (result, stats)
    }

    /// Starts an instance for the execution environment ahead of its first event (Lambda's
    /// Init phase), within `invocation`'s deadline, and keeps it; the error of its `init`, if
    /// any. Nothing to do when each invocation gets a fresh instance.
    pub async fn start(&self, invocation: LambdaContext) -> Result<(), GuestFailure> {
        if self.instances.config().instance_scope == InstanceScope::Invocation {
            return Ok(());
        }
        let mut stats = CallStats::default();
        let (mut store, budget) = self.instances.new_store(invocation);
        let started = tokio::time::timeout(budget + 2 * EPOCH_TICK, self.instantiate(&mut store))
            .await
            .unwrap_or(Err(GuestFailure::Deadline));
        wrap_up(store.data(), &mut stats);
        let instance = started?;
        self.kept.put(Warm { store, instance });
        Ok(())
    }

    /// The instance this component kept, when instances live for the environment.
    fn take_kept(&self) -> Option<Warm> {
        match self.instances.config().instance_scope {
            InstanceScope::Environment => self.kept.take(),
            InstanceScope::Invocation => None,
        }
    }

    /// Whether the instance may serve the next invocation after `result`: not after a trap,
    /// its deadline or refused memory, which may have left it midway; nor when each invocation
    /// gets a fresh one.
    fn keeps(&self, result: &Result<String, GuestFailure>, store: &Store<HostState>) -> bool {
        let healthy = matches!(result, Ok(_) | Err(GuestFailure::Exception(_)));
        healthy
            && !store.data().limits.memory_refused
            && self.instances.config().instance_scope == InstanceScope::Environment
    }

    /// Instantiates and initializes the component unless `instance` is already running, then
    /// calls `handle-event`, noting how long each step took.
    async fn start_and_call(
        &self,
        store: &mut Store<HostState>,
        instance: &mut Option<Instance>,
        event: &str,
        stats: &mut CallStats,
    ) -> Result<String, GuestFailure> {
        let started = Instant::now();
        let running = match *instance {
            Some(running) => running,
            None => {
                let new = self.instantiate(store).await;
                stats.instantiate = started.elapsed();
                let new = new?;
                *instance = Some(new);
                new
            }
        };
        let handle = running
            .get_typed_func::<(&str,), HandleEvent>(&mut *store, &self.handle_event)
            .map_err(GuestFailure::Trap)?;
        let called = handle.call_async(&mut *store, (event,)).await;
        stats.run = started.elapsed() - stats.instantiate;
        match called {
            Ok((Ok(result),)) => Ok(result),
            Ok((Err(error),)) => Err(GuestFailure::Exception(error)),
            Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
        }
    }

    /// A new instance, its `init` run. When idle instances of other components hold the
    /// pool's slots, the oldest are evicted to make room.
    async fn instantiate(&self, store: &mut Store<HostState>) -> Result<Instance, GuestFailure> {
        let instance = loop {
            match self.pre.instantiate_async(&mut *store).await {
                Ok(instance) => break instance,
                Err(err)
                    if err.downcast_ref::<PoolConcurrencyLimitError>().is_some()
                        && self.kept.evict_oldest() => {}
                Err(err) => return Err(GuestFailure::from_wasmtime(err)),
            }
        };
        let Some(init) = &self.init else {
            return Ok(instance);
        };
        let init = instance
            .get_typed_func::<(), Init>(&mut *store, init)
            .map_err(GuestFailure::Trap)?;
        let (initialized,) = init
            .call_async(&mut *store, ())
            .await
            .map_err(GuestFailure::from_wasmtime)?;
        initialized.map_err(GuestFailure::Exception)?;
        Ok(instance)
    }
}
