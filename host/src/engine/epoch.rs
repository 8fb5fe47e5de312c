//! The epoch clock: a thread advances the engine's epoch every tick, and a guest's deadline is a
//! number of ticks from the start of its call.

use std::time::Duration;

use wasmtime::Engine;

/// How often the engine's epoch advances: the resolution of guest deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The epoch deadline for a guest that may run for `budget`: enough ticks to cover all of it.
pub fn ticks_until(budget: Duration) -> u64 {
    let ticks = budget.as_nanos().div_ceil(EPOCH_TICK.as_nanos());
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Advances the epoch every tick until the engine is dropped.
pub(super) fn start_clock(engine: &Engine) {
    let engine = engine.weak();
    let clock = std::thread::Builder::new()
        .name("epoch-clock".to_owned())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(err) = clock {
        tracing::error!(
            "could not start the epoch clock; guest deadlines rely on the async timeout alone: {err}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_becomes_the_ticks_that_cover_it() {
        assert_eq!(ticks_until(Duration::ZERO), 0);
        assert_eq!(ticks_until(Duration::from_millis(1)), 1);
        assert_eq!(ticks_until(EPOCH_TICK), 1);
        assert_eq!(ticks_until(EPOCH_TICK + Duration::from_nanos(1)), 2);
        assert_eq!(ticks_until(Duration::from_secs(3)), 300);
        assert_eq!(ticks_until(Duration::MAX), u64::MAX, "saturates");
    }
}
