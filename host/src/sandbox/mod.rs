//! What one guest instance can reach and use, one capability a file: the WASI sandbox, its
//! captured output, its resource limits, outbound HTTP and the `invocation` interface. Each instance's `Store`
//! holds a [`HostState`], dropped with it; [`add_to_linker`] links every capability.

mod config;
mod http;
mod lambda_context;
mod limits;
mod output;
mod wasi;

use wasmtime::component::{HasSelf, Linker, ResourceTable};

pub use self::config::{GuestConfig, InstanceScope};
pub use self::lambda_context::LambdaContext;
pub use self::limits::GuestLimits;
use self::output::BoundedOutput;
use crate::bindings;
use crate::guest_text;

/// The most lines of guest output logged per invocation, stdout and stderr together: the
/// output cap bounds the bytes, this the log events (64 KiB of empty lines would be 65 536).
pub const MAX_GUEST_LOG_LINES: usize = 1_000;

/// Generous for any real handler, small enough that a hostile one cannot grow the host.
const MAX_RESOURCES: usize = 10_000;

/// The state of one invocation's store.
pub struct HostState {
    wasi: wasmtime_wasi::WasiCtx,
    table: ResourceTable,
    invocation: LambdaContext,
    http: http::HttpState,
    stdout: BoundedOutput,
    stderr: BoundedOutput,
    /// What the guest may allocate, and what it did.
    pub limits: GuestLimits,
}

impl HostState {
    /// A fresh sandbox for one invocation, within `config`'s limits.
    pub fn new(config: &GuestConfig, invocation: LambdaContext) -> Self {
        let stdout = BoundedOutput::new(config.output_bytes);
        let stderr = BoundedOutput::new(config.output_bytes);
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        let limits = GuestLimits::new(config.memory_bytes);
        Self {
            wasi: wasi::sandbox(config, invocation.trace_id.as_deref(), &stdout, &stderr),
            table,
            http: http::HttpState::new(config, &invocation, limits.budget().clone()),
            invocation,
            stdout,
            stderr,
            limits,
        }
    }

    /// Gives a kept instance's state to its next invocation: that invocation's context, trace
    /// and outbound allowance, empty output, and no memory refusal noted yet. The instance's
    /// memory, and what it holds in its resource table, stay.
    pub fn begin(&mut self, config: &GuestConfig, invocation: LambdaContext) {
        self.wasi = wasi::sandbox(
            config,
            invocation.trace_id.as_deref(),
            &self.stdout,
            &self.stderr,
        );
        self.http = http::HttpState::new(config, &invocation, self.limits.budget().clone());
        self.invocation = invocation;
        self.stdout.clear();
        self.stderr.clear();
        self.limits.memory_refused = false;
    }

    /// Ends the invocation's outbound HTTP on a kept instance, so that its log closes with the
    /// invocation (the summary of lines left out is written now, in its span) rather than when
    /// the next invocation begins. No guest code runs until [`HostState::begin`] gives the
    /// instance that invocation's.
    pub fn end(&mut self, config: &GuestConfig) {
        self.http = http::HttpState::new(config, &self.invocation, self.limits.budget().clone());
    }

    /// Logs what the guest wrote to stdout and stderr, a line per event, in the invocation's
    /// span: at most [`MAX_GUEST_LOG_LINES`] lines in all, each escaped and bounded by
    /// [`guest_text::for_log`], with a note of what was dropped.
    pub fn log_guest_output(&self) {
        let mut budget = MAX_GUEST_LOG_LINES;
        for (stream, output) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let (bytes, dropped) = output.contents();
            let (lines, dropped_lines) = lines_to_log(&String::from_utf8_lossy(&bytes), budget);
            budget -= lines.len();
            for line in lines {
                tracing::info!(target: "guest", stream, "{line}");
            }
            if dropped_lines > 0 {
                tracing::warn!(target: "guest", stream, dropped_lines, "the guest wrote more than {MAX_GUEST_LOG_LINES} lines; the rest was not logged");
            }
            if dropped > 0 {
                tracing::warn!(target: "guest", stream, dropped, "the guest's output went past the cap; the rest was dropped");
            }
        }
    }
}

/// The lines of `text` to log, escaped and bounded, at most `budget` of them; and how many
/// more there were.
fn lines_to_log(text: &str, budget: usize) -> (Vec<String>, usize) {
    let mut lines = text.lines();
    let logged = lines
        .by_ref()
        .take(budget)
        .map(guest_text::for_log)
        .collect();
    (logged, lines.count())
}

/// Links what a guest of either world may import: WASI (sandboxed by [`HostState`]), outbound
/// `wasi:http` (under the outbound policy) and the contract's own interfaces.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    http::add_error_codes_to_linker(linker)?;
    // The contract's interfaces one by one: the worlds' own `add_to_linker` would link WASI
    // again.
    bindings::types::add_to_linker::<_, HasSelf<_>>(linker, |state| state)?;
    bindings::invocation::add_to_linker::<_, HasSelf<_>>(linker, |state| state)?;
    bindings::function::add_to_linker::<_, HasSelf<_>>(linker, |state| state)?;
    bindings::event_errors::add_to_linker::<_, HasSelf<_>>(linker, |state| state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_empty_lines_is_logged_up_to_the_budget_and_the_rest_counted() {
        let (lines, dropped) = lines_to_log(&"\n".repeat(65_536), MAX_GUEST_LOG_LINES);
        assert_eq!((lines.len(), dropped), (MAX_GUEST_LOG_LINES, 64_536));
        assert_eq!(lines_to_log("a\nb\n", 0), (Vec::new(), 2));
    }

    #[test]
    fn a_lone_carriage_return_cannot_start_a_line_of_its_own() {
        let (lines, dropped) = lines_to_log("real\rFORGED INFO\r\nnext\r\n", 10);
        assert_eq!(lines, [r"real\rFORGED INFO", "next"]);
        assert_eq!(dropped, 0);
    }
}
