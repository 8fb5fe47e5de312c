//! A component of the contract's `event-handler` world (e.g. a Python `lambda_handler` built
//! with componentize-py): for each invocation a fresh instance gets the event JSON as the front
//! end sent it, and its result JSON becomes the response by the front end's rules.

use wasmtime::component::Component;

use super::instances::Instances;
use super::{CallStats, GuestFailure, Outcome};
use crate::bindings::EventHandlerPre;
use crate::event::ResponseFormat;
use crate::function_result;
use crate::sandbox::{HostState, LambdaContext};

/// An `event-handler`-world component, compiled and pre-linked against the host's
/// capabilities.
#[derive(Clone)]
pub struct EventComponent {
    instances: Instances,
    pre: EventHandlerPre<HostState>,
}

impl EventComponent {
    /// Links `component`, which exports the `event-handler` world, against the host's
    /// capabilities; an error names the import the host does not provide.
    pub(super) fn link(component: &Component, instances: Instances) -> anyhow::Result<Self> {
        let pre = EventHandlerPre::new(instances.link(component)?)?;
        Ok(Self { instances, pre })
    }

    /// Runs `event` on a new instance within the invocation's deadline, and reads its result
    /// as the front end of `format` would.
    pub async fn handle(
        &self,
        event: &[u8],
        format: ResponseFormat,
        invocation: LambdaContext,
    ) -> Outcome {
        // `event::parse` read these bytes as JSON, so they are UTF-8.
        let event = String::from_utf8_lossy(event);
        let (result, stats) = self
            .instances
            .run(
                invocation,
                async |store| self.pre.instantiate_async(store).await,
                async |handler, store| match handler.call_handle_event(store, &event).await {
                    Ok(Ok(result)) => Ok(function_result::to_response(&result, format)?),
                    Ok(Err(error)) => Err(GuestFailure::Exception(error)),
                    Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
                },
            )
            .await;
        Outcome { result, stats }
    }

    /// Runs `event` on a new instance within the invocation's deadline, and gives the
    /// function's result JSON as it returned it (a Lambda authorizer's answer).
    pub async fn result(
        &self,
        event: &[u8],
        invocation: LambdaContext,
    ) -> (Result<String, GuestFailure>, CallStats) {
        let event = String::from_utf8_lossy(event);
        self.instances
            .run(
                invocation,
                async |store| self.pre.instantiate_async(store).await,
                async |handler, store| match handler.call_handle_event(store, &event).await {
                    Ok(Ok(result)) => Ok(result),
                    Ok(Err(error)) => Err(GuestFailure::Exception(error)),
                    Err(trap) => Err(GuestFailure::from_wasmtime(trap)),
                },
            )
            .await
    }
}
