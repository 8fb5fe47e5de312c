//! The outbound log: one line per request the guest sent, refused or not. Method, host, path
//! without the query, status, duration, bytes and whether the host signed it; never headers,
//! bodies, signatures or credentials.
//!
//! Every line is the invocation's: it is written in the invocation's span (its Lambda and API
//! Gateway request ids), whichever task ends the request, and at most
//! [`MAX_OUTBOUND_LOG_LINES`] of them per invocation, then one line saying how many were left
//! out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tracing::Span;

use crate::guest_text;

/// The most outbound lines one invocation logs: twice the default request cap, so that an
/// invocation within the defaults has all of its lines, refused requests included.
pub const MAX_OUTBOUND_LOG_LINES: usize = 100;

/// Where one invocation's outbound lines go, and how many it wrote.
#[derive(Debug)]
pub struct InvocationLog {
    span: Span,
    /// Lines asked for, logged or not.
    lines: AtomicUsize,
    /// Of those left out, the refusals.
    refusals_left_out: AtomicUsize,
}

impl InvocationLog {
    /// The log of the invocation whose span is current.
    pub fn current() -> Arc<Self> {
        Arc::new(Self {
            span: Span::current(),
            lines: AtomicUsize::new(0),
            refusals_left_out: AtomicUsize::new(0),
        })
    }

    /// The invocation's span, for work done on its behalf elsewhere.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Writes `line` in the invocation's span, unless the invocation is past its cap.
    fn write(&self, refusal: bool, line: impl FnOnce()) {
        if self.lines.fetch_add(1, Ordering::Relaxed) < MAX_OUTBOUND_LOG_LINES {
            self.span.in_scope(line);
        } else if refusal {
            self.refusals_left_out.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for InvocationLog {
    fn drop(&mut self) {
        // Every request's log holds this one: it ends after their last line.
        let left_out = self.lines.get_mut().saturating_sub(MAX_OUTBOUND_LOG_LINES);
        if left_out > 0 {
            let refused = *self.refusals_left_out.get_mut();
            self.span.in_scope(|| {
                tracing::warn!(
                    left_out,
                    refused,
                    "outbound requests past the invocation's {MAX_OUTBOUND_LOG_LINES} log lines were not logged"
                );
            });
        }
    }
}

/// One outbound request, logged once when it ends.
#[derive(Debug)]
pub struct RequestLog {
    invocation: Arc<InvocationLog>,
    method: String,
    host: String,
    path: String,
    signed: bool,
    started: Instant,
}

impl RequestLog {
    /// A request of `invocation` for `method host path` (the guest's names, escaped when
    /// logged).
    pub fn new(invocation: &Arc<InvocationLog>, method: &str, host: &str, path: &str) -> Self {
        Self {
            invocation: Arc::clone(invocation),
            method: guest_text::for_log(method),
            host: guest_text::for_log(host),
            path: guest_text::for_log(path),
            signed: false,
            started: Instant::now(),
        }
    }

    /// Marks the request as signed by the host.
    pub fn signed(&mut self) {
        self.signed = true;
    }

    /// The policy refused the request: nothing was sent.
    pub fn refused(&self, reason: &str) {
        let (method, host, path) = (&self.method, &self.host, &self.path);
        self.invocation.write(true, || {
            tracing::warn!(%method, %host, %path, reason, "outbound request refused");
        });
    }

    /// The request ended with `status` (if a response came) after `bytes` of response body,
    /// or with `error`.
    pub fn finished(&self, status: Option<u16>, bytes: u64, error: Option<&str>) {
        let duration_ms = self.started.elapsed().as_millis() as u64;
        let (method, host, path, signed) = (&self.method, &self.host, &self.path, self.signed);
        self.invocation.write(false, || match error {
            None => tracing::info!(
                    %method, %host, %path, status, duration_ms, bytes, signed,
                "outbound request"
            ),
            Some(error) => tracing::warn!(
                    %method, %host, %path, status, duration_ms, bytes, signed, error,
                "outbound request failed"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_cap_are_counted_not_written() {
        let log = InvocationLog::current();
        let mut written = 0;
        for n in 0..MAX_OUTBOUND_LOG_LINES + 5 {
            log.write(n % 2 == 0, || written += 1);
        }
        assert_eq!(written, MAX_OUTBOUND_LOG_LINES);
        assert_eq!(
            log.lines.load(Ordering::Relaxed) - MAX_OUTBOUND_LOG_LINES,
            5
        );
        // Of the five past the cap (100 to 104), the even ones were refusals.
        assert_eq!(log.refusals_left_out.load(Ordering::Relaxed), 3);
    }
}
