//! A component of the contract's `handler` world: pre-linked once, and for each invocation a
//! fresh store and instance whose `handle` runs the request.

use wasmtime::component::Component;

use super::instances::Instances;
use super::{GuestFailure, Outcome};
use crate::bindings::{HandlerPre, Request};
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
            .run(
                invocation,
                async |store| self.pre.instantiate_async(store).await,
                async |handler, store| match handler.call_handle(store, request).await {
                    Ok(Ok(response)) => Ok(response),
                    Ok(Err(error)) => Err(GuestFailure::Handler(error.message)),
                    Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
                },
            )
            .await;
        Outcome { result, stats }
    }
}
