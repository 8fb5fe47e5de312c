//! The host's side of the contract's `invocation` and `function` interfaces: the Lambda context
//! of the call, the time it has left, and the function's identity and limits.

use super::HostState;
use crate::bindings::{
    FunctionContext, InvocationContext, event_errors, function, invocation, types,
};
use crate::wall_clock;

/// What a guest may learn about the invocation it serves.
#[derive(Debug, Clone)]
pub struct LambdaContext {
    /// The invocation's identity and deadline.
    pub context: InvocationContext,
    /// The function's ARN, memory and log names, as Lambda's runtimes give them to a handler.
    pub function: FunctionContext,
    /// The X-Ray trace header Lambda sent, if any: `_X_AMZN_TRACE_ID` in the guest's
    /// environment, and `X-Amzn-Trace-Id` on the AWS requests the host signs.
    pub trace_id: Option<String>,
    /// The tenant Lambda named, on a function in tenant isolation mode.
    pub tenant_id: Option<String>,
}

impl types::Host for HostState {}

impl event_errors::Host for HostState {}

impl invocation::Host for HostState {
    fn context(&mut self) -> InvocationContext {
        self.invocation.context.clone()
    }

    fn remaining_time_ms(&mut self) -> u64 {
        wall_clock::remaining_ms(self.invocation.context.deadline_epoch_ms)
    }

    fn trace_id(&mut self) -> Option<String> {
        self.invocation.trace_id.clone()
    }

    fn tenant_id(&mut self) -> Option<String> {
        self.invocation.tenant_id.clone()
    }
}

impl function::Host for HostState {
    fn context(&mut self) -> FunctionContext {
        self.invocation.function.clone()
    }
}
