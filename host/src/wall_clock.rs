//! Wall-clock time in Unix epoch milliseconds, the unit of Lambda's deadlines and API Gateway's
//! request times: the one place that reads the system clock for them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now (0 if the clock is set before 1970).
pub fn now_epoch_ms() -> u64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
}

/// The deadline `timeout` from now, in epoch milliseconds.
pub fn deadline_after(timeout: Duration) -> u64 {
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    now_epoch_ms().saturating_add(timeout_ms)
}

/// Milliseconds from now until `deadline_epoch_ms`, 0 once it has passed.
pub fn remaining_ms(deadline_epoch_ms: u64) -> u64 {
    deadline_epoch_ms.saturating_sub(now_epoch_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_ahead_has_its_time_remaining_and_one_behind_has_none() {
        let deadline = deadline_after(Duration::from_secs(60));
        let remaining = remaining_ms(deadline);
        assert!((59_000..=60_000).contains(&remaining), "{remaining}");
        assert_eq!(remaining_ms(now_epoch_ms() - 1_000), 0);
        assert_eq!(remaining_ms(0), 0);
    }

    #[test]
    fn an_endless_timeout_saturates() {
        assert_eq!(deadline_after(Duration::MAX), u64::MAX);
    }
}
