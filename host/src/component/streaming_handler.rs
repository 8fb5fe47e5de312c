//! A component of the contract's `streaming-handler` world: the typed request in, and out a
//! `wasi:http` response it sets on the `response-outparam` it is given, then writes the body of
//! ([`outparam`](super::outparam) reads both, whole or as they come).

use wasmtime::component::Component;
use wasmtime_wasi_http::WasiHttpView as _;

use super::instances::Instances;
use super::outparam;
use super::{GuestFailure, Outcome, ResponseSink};
use crate::bindings::{Request, StreamingHandlerPre};
use crate::sandbox::{HostState, LambdaContext};

/// A `streaming-handler`-world component, compiled and pre-linked against the host's
/// capabilities.
#[derive(Clone)]
pub struct StreamingComponent {
    pre: StreamingHandlerPre<HostState>,
    instances: Instances,
}

impl StreamingComponent {
    /// Links `component`, which exports the `streaming-handler` world, against the host's
    /// capabilities; an error names the import the host does not provide.
    pub(super) fn link(component: &Component, instances: Instances) -> anyhow::Result<Self> {
        let pre = StreamingHandlerPre::new(instances.link(component)?)?;
        Ok(Self { pre, instances })
    }

    /// Runs `request` on a new instance and gives `sink` the guest's response as the guest
    /// produces it; see [`GuestComponent::stream`](super::GuestComponent::stream). A
    /// `handler-error` the guest returns is its failure, before its response started or after.
    pub async fn stream(
        &self,
        request: &Request,
        invocation: LambdaContext,
        sink: &mut impl ResponseSink,
    ) -> Outcome<()> {
        outparam::answer(
            &self.instances,
            invocation,
            |store, sender| {
                store
                    .data_mut()
                    .http()
                    .new_response_outparam(sender)
                    .map_err(GuestFailure::from_wasmtime)
            },
            async |store, outparam, stats| {
                let handler =
                    outparam::timed(stats, self.pre.instantiate_async(&mut *store)).await?;
                match handler
                    .call_handle_streaming(&mut *store, request, outparam)
                    .await
                {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(GuestFailure::Handler(error.message)),
                    Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
                }
            },
            sink,
        )
        .await
    }
}
