//! Entry points for benchmarks only (the `bench` feature): instantiation alone, and an instance
//! kept across calls to time the guest's `handle` by itself. Requests never share an instance.

use wasmtime::Store;

use super::HandlerComponent;
use crate::bindings::{Handler, Request, Response};
use crate::sandbox::{HostState, LambdaContext};

impl HandlerComponent {
    /// Creates a fresh store and instance and drops them, as every call does: what
    /// instantiation costs.
    pub async fn instantiate_only(&self, invocation: LambdaContext) -> wasmtime::Result<()> {
        let (mut store, _) = self.instances.new_store(invocation);
        self.pre.instantiate_async(&mut store).await.map(drop)
    }

    /// One instance for repeated calls, to measure the guest call alone.
    pub async fn reusable_instance(
        &self,
        invocation: LambdaContext,
    ) -> wasmtime::Result<ReusableInstance> {
        let (mut store, _) = self.instances.new_store(invocation);
        let handler = self.pre.instantiate_async(&mut store).await?;
        Ok(ReusableInstance { store, handler })
    }
}

/// An instance kept across calls; see [`HandlerComponent::reusable_instance`].
pub struct ReusableInstance {
    store: Store<HostState>,
    handler: Handler,
}

impl ReusableInstance {
    /// Calls the guest's `handle` again on the same instance.
    pub async fn call(&mut self, request: &Request) -> wasmtime::Result<Response> {
        let response = self.handler.call_handle(&mut self.store, request).await?;
        response.map_err(|error| {
            wasmtime::format_err!("the handler returned an error: {}", error.message)
        })
    }
}
