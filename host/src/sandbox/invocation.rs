//! The host's side of the contract's `invocation` interface: the Lambda context of the call and
//! the time it has left.

use super::HostState;
use crate::bindings::{InvocationContext, invocation, types};
use crate::wall_clock;

impl types::Host for HostState {}

impl invocation::Host for HostState {
    fn context(&mut self) -> InvocationContext {
        self.invocation.clone()
    }

    fn remaining_time_ms(&mut self) -> u64 {
        wall_clock::remaining_ms(self.invocation.deadline_epoch_ms)
    }
}
