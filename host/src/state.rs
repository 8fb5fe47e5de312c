//! What one instance's `Store` holds: the WASI sandbox, the resource limits, and the host's side
//! of the `invocation` interface.

use std::time::{SystemTime, UNIX_EPOCH};

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::{InvocationContext, invocation, types};
use crate::config::GuestConfig;
use crate::output::BoundedOutput;

/// Generous for any real handler, small enough that a hostile one cannot grow the host.
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 16;
const MAX_TABLE_ELEMENTS: usize = 1 << 20;
const MAX_RESOURCES: usize = 10_000;

/// The state of one invocation's store, dropped with it.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    invocation: InvocationContext,
    stdout: BoundedOutput,
    stderr: BoundedOutput,
    pub limits: GuestLimits,
}

impl HostState {
    /// A guest sees only the environment variables allowed by name, no files and no network:
    /// the Lambda environment holds the function's AWS credentials. Clocks and randomness work,
    /// stdin is empty, stdout and stderr are captured up to a cap.
    pub fn new(config: &GuestConfig, invocation: InvocationContext) -> Self {
        let stdout = BoundedOutput::new(config.output_bytes);
        let stderr = BoundedOutput::new(config.output_bytes);
        let wasi = WasiCtx::builder()
            .envs(&config.env)
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_RESOURCES);
        Self {
            wasi,
            table,
            invocation,
            stdout,
            stderr,
            limits: GuestLimits::new(config.memory_bytes),
        }
    }

    /// Logs what the guest wrote to stdout and stderr, a line per event, in the invocation's span.
    pub fn log_guest_output(&self) {
        for (stream, output) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let (bytes, dropped) = output.contents();
            for line in String::from_utf8_lossy(&bytes).lines() {
                tracing::info!(target: "guest", stream, "{line}");
            }
            if dropped > 0 {
                tracing::warn!(target: "guest", stream, dropped, "the guest's output went past the cap; the rest was dropped");
            }
        }
    }
}

/// Wasmtime's store limits, plus what the guest actually used.
pub struct GuestLimits {
    limits: StoreLimits,
    memory_cap: usize,
    /// The largest linear memory the guest asked for and got.
    pub memory_peak: usize,
    /// Whether the guest asked for more memory than its cap.
    pub memory_refused: bool,
}

impl GuestLimits {
    fn new(memory_cap: usize) -> Self {
        let limits = StoreLimitsBuilder::new()
            .memory_size(memory_cap)
            .instances(MAX_INSTANCES)
            .tables(MAX_TABLES)
            .memories(MAX_MEMORIES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .build();
        Self {
            limits,
            memory_cap,
            memory_peak: 0,
            memory_refused: false,
        }
    }

    pub fn memory_cap(&self) -> usize {
        self.memory_cap
    }
}

impl ResourceLimiter for GuestLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.memory_peak = self.memory_peak.max(desired);
        } else {
            self.memory_refused = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
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
        remaining_ms(self.invocation.deadline_epoch_ms)
    }
}

/// Milliseconds from now until `deadline_epoch_ms`, 0 once it has passed.
pub fn remaining_ms(deadline_epoch_ms: u64) -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.as_millis());
    u64::try_from(u128::from(deadline_epoch_ms).saturating_sub(now_ms)).unwrap_or(0)
}
