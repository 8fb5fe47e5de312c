//! What one instance's `Store` holds, and the host's side of the `invocation` interface.

use std::time::{SystemTime, UNIX_EPOCH};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{InvocationContext, invocation, types};

/// How much of the guest's stdout and stderr is kept per invocation.
const CAPTURED_OUTPUT_BYTES: usize = 1 << 20;

/// The state of one invocation's store, dropped with it.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    invocation: InvocationContext,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl HostState {
    /// A guest sees no environment variables, no files and no network: the Lambda environment
    /// holds the function's AWS credentials. Clocks and randomness work; its stdout and stderr
    /// are captured for the host's log.
    pub fn new(invocation: InvocationContext) -> Self {
        let stdout = MemoryOutputPipe::new(CAPTURED_OUTPUT_BYTES);
        let stderr = MemoryOutputPipe::new(CAPTURED_OUTPUT_BYTES);
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            invocation,
            stdout,
            stderr,
        }
    }

    /// Logs what the guest wrote to stdout and stderr, a line per event.
    pub fn log_guest_output(&self) {
        for (stream, pipe) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let output = pipe.contents();
            for line in String::from_utf8_lossy(&output).lines() {
                tracing::info!(target: "guest", stream, "{line}");
            }
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for HostState {}

impl invocation::Host for HostState {
    fn context(&mut self) -> InvocationContext {
        self.invocation.clone()
    }

    fn remaining_time_ms(&mut self) -> u64 {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |now| now.as_millis());
        u64::try_from(u128::from(self.invocation.deadline_epoch_ms).saturating_sub(now_ms))
            .unwrap_or(0)
    }
}
