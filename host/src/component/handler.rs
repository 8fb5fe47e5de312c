//! A component of the contract's `handler` world: pre-linked once, and for each invocation a
//! fresh store and instance whose `handle` runs the request.

use std::time::Instant;

use wasmtime::Store;
use wasmtime::component::Component;

use super::instances::Instances;
use super::{CallStats, GuestFailure, Outcome};
use crate::bindings::{HandlerPre, Request, Response};
use crate::sandbox::{HostState, LambdaContext};

/// A `handler`-world component, compiled and pre-linked against the host's capabilities.
#[derive(Clone)]
pub struct HandlerComponent {
    pub(super) pre: HandlerPre<HostState>,
    pub(super) instances: Instances,
}

impl HandlerComponent {
    /// Links `component`, which exports the `handler` world, against the host's capabilities;
    /// an error names the import the host does not provide.
    pub(super) fn link(component: &Component, instances: Instances) -> anyhow::Result<Self> {
        let pre = HandlerPre::new(instances.link(component)?)?;
        Ok(Self { pre, instances })
    }

    /// Runs `request` on a new instance that must finish before the invocation's deadline less
    /// the configured margin; see [`Instances::run`].
    pub async fn handle(&self, request: &Request, invocation: LambdaContext) -> Outcome {
        let (result, stats) = self
            .instances
            .run(invocation, async |store, stats| {
                self.call(store, request, stats).await
            })
            .await;
        Outcome { result, stats }
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
