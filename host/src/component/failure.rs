//! Why a guest gave no response, told apart once: its own error, its deadline, no free
//! instance slot, or a trap.

use wasmtime::{PoolConcurrencyLimitError, Trap};

/// Why the guest gave no response.
#[derive(Debug, thiserror::Error)]
pub enum GuestFailure {
    /// The guest returned its typed `handler-error`.
    #[error("the handler returned an error: {0}")]
    Handler(String),
    /// The guest was still running at its deadline.
    #[error("the handler ran past its deadline")]
    Deadline,
    /// Every instance slot of the pool was in use until the deadline: the guest never ran.
    #[error("pool full: no free instance slot before the deadline")]
    PoolFull,
    /// The guest trapped (a panic, `unreachable`, a stack overflow, memory it could not get, ...)
    /// or could not be instantiated.
    #[error("the handler trapped: {0:?}")]
    Trap(wasmtime::Error),
}

impl GuestFailure {
    /// Classifies an error from instantiating or calling the guest: the epoch interrupt is its
    /// deadline, a pool at its limit is [`GuestFailure::PoolFull`], anything else a trap.
    pub fn from_wasmtime(error: wasmtime::Error) -> Self {
        if error.downcast_ref::<PoolConcurrencyLimitError>().is_some() {
            return Self::PoolFull;
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Self::Deadline,
            _ => Self::Trap(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_interrupt_is_the_deadline_and_other_traps_are_traps() {
        let interrupt = wasmtime::Error::from(Trap::Interrupt);
        assert!(matches!(
            GuestFailure::from_wasmtime(interrupt),
            GuestFailure::Deadline
        ));
        for trap in [
            Trap::UnreachableCodeReached,
            Trap::StackOverflow,
            Trap::MemoryOutOfBounds,
        ] {
            let failure = GuestFailure::from_wasmtime(wasmtime::Error::from(trap));
            assert!(matches!(failure, GuestFailure::Trap(_)), "{trap:?}");
        }
        let other = GuestFailure::from_wasmtime(wasmtime::format_err!("no such export"));
        assert!(matches!(other, GuestFailure::Trap(_)));
    }
}
