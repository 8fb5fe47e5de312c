//! What the accept loop does when accepting fails (out of file descriptors, most often): it backs
//! off instead of retrying at once, and logs the failures now and then, with a count, rather than
//! once each.

use std::time::{Duration, Instant};

/// The pause after the first failure in a row; it doubles with each further one.
const FIRST_DELAY: Duration = Duration::from_millis(10);
/// The longest pause between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// At most one log line per this long while accepting keeps failing.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The state of a run of failed accepts.
#[derive(Debug, Default)]
pub(super) struct AcceptErrors {
    /// The pause before the next attempt; zero after a success.
    delay: Duration,
    /// When the last failure was logged.
    last_logged: Option<Instant>,
    /// Failures since then that were not logged.
    suppressed: u64,
}

/// What to do about one failed accept.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Retry {
    /// How long to wait before accepting again.
    pub delay: Duration,
    /// Whether to log this failure; `Some(n)` with the `n` failures left unlogged before it.
    pub log_with_suppressed: Option<u64>,
}

impl AcceptErrors {
    /// A connection was accepted: the next failure starts a new run.
    pub fn succeeded(&mut self) {
        self.delay = Duration::ZERO;
    }

    /// Accepting failed at `now`: how long to pause, and whether to log it.
    pub fn failed(&mut self, now: Instant) -> Retry {
        self.delay = (self.delay * 2).clamp(FIRST_DELAY, MAX_DELAY);
        let due = self
            .last_logged
            .is_none_or(|logged| now.duration_since(logged) >= LOG_EVERY);
        let log_with_suppressed = if due {
            self.last_logged = Some(now);
            Some(std::mem::take(&mut self.suppressed))
        } else {
            self.suppressed += 1;
            None
        };
        Retry {
            delay: self.delay,
            log_with_suppressed,
        }
    }
}

/// Logs a failed accept when `retry` says so, and waits before the next attempt.
pub(super) async fn back_off(error: &std::io::Error, retry: Retry) {
    if let Some(suppressed) = retry.log_with_suppressed {
        tracing::warn!(
            suppressed,
            retry_in_ms = retry.delay.as_millis() as u64,
            "accepting a connection failed: {error}"
        );
    }
    tokio::time::sleep(retry.delay).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_from_10_ms_up_to_a_second_and_resets_on_success() {
        let mut errors = AcceptErrors::default();
        let now = Instant::now();
        let delays: Vec<u64> = (0..9)
            .map(|_| errors.failed(now).delay.as_millis() as u64)
            .collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        errors.succeeded();
        assert_eq!(errors.failed(now).delay, FIRST_DELAY);
    }

    #[test]
    fn failures_are_logged_once_per_period_with_the_count_left_out() {
        let mut errors = AcceptErrors::default();
        let start = Instant::now();
        assert_eq!(errors.failed(start).log_with_suppressed, Some(0));
        for n in 1..=5 {
            let later = start + Duration::from_secs(n);
            assert_eq!(errors.failed(later).log_with_suppressed, None);
        }
        let next_period = start + LOG_EVERY;
        assert_eq!(errors.failed(next_period).log_with_suppressed, Some(5));
        assert_eq!(errors.failed(next_period).log_with_suppressed, None);
    }
}
