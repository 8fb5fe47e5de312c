//! What each guest instance may use, and how long it lives, as the settings (`crate::settings`)
//! gave it at start.

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
    /// How long an `event-handler` instance lives.
    pub instance_scope: InstanceScope,
}

/// How long an `event-handler` instance lives: the other worlds get a fresh instance for every
/// invocation, always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceScope {
    /// Kept for the invocations of one execution environment, one at a time, as Lambda's
    /// runtimes keep their process: its init runs once, and what it keeps in memory carries
    /// over from one invocation to the next.
    Environment,
    /// A fresh instance for every invocation, its init run each time: nothing carries over.
    Invocation,
}
