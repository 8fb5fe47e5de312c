//! What each guest instance may use, as the settings (`crate::settings`) gave it at start.

use std::sync::Arc;
use std::time::Duration;

use crate::outbound::OutboundPolicy;

/// What each guest instance may use.
#[derive(Debug, Clone)]
pub struct GuestConfig {
    /// The most linear memory an instance may grow to, all memories together.
    pub memory_bytes: usize,
    /// What is kept of stdout, and of stderr; the rest is dropped.
    pub output_bytes: usize,
    /// Taken off every deadline, so the host answers before Lambda stops it.
    pub deadline_margin: Duration,
    /// The environment the guest sees.
    pub env: Vec<(String, String)>,
    /// Where the guest's outbound HTTP requests may go, and what each invocation may send.
    pub outbound: Arc<OutboundPolicy>,
}
