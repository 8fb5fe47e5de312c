//! The outbound log: one line per request the guest sent, refused or not. Method, host, path
//! without the query, status, duration, bytes and whether the host signed it; never headers,
//! bodies, signatures or credentials.

use std::time::Instant;

use crate::guest_text;

/// One outbound request, logged once when it ends.
#[derive(Debug)]
pub struct RequestLog {
    method: String,
    host: String,
    path: String,
    signed: bool,
    started: Instant,
}

impl RequestLog {
    /// A request for `method host path` (the guest's names, escaped when logged).
    pub fn new(method: &str, host: &str, path: &str) -> Self {
        Self {
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
        tracing::warn!(
            method = %self.method,
            host = %self.host,
            path = %self.path,
            reason,
            "outbound request refused"
        );
    }

    /// The request ended with `status` (if a response came) after `bytes` of response body,
    /// or with `error`.
    pub fn finished(&self, status: Option<u16>, bytes: u64, error: Option<&str>) {
        let duration_ms = self.started.elapsed().as_millis() as u64;
        let (method, host, path, signed) = (&self.method, &self.host, &self.path, self.signed);
        match error {
            None => tracing::info!(
                    %method, %host, %path, status, duration_ms, bytes, signed,
                "outbound request"
            ),
            Some(error) => tracing::warn!(
                    %method, %host, %path, status, duration_ms, bytes, signed, error,
                "outbound request failed"
            ),
        }
    }
}
