//! The WASI a guest gets: only the environment variables allowed by name, and the invocation's
//! trace header as Lambda's runtimes set it; no files and no network (the Lambda environment
//! holds the function's AWS credentials). Clocks and randomness work, stdin is empty, stdout and
//! stderr are captured up to a cap.

use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::GuestConfig;
use super::HostState;
use super::output::BoundedOutput;

/// The X-Ray trace header of the invocation, as Lambda's runtimes give it to a handler (AWS SDKs
/// read it); it changes with every invocation, so the process's own is never passed.
pub const TRACE_ID_VAR: &str = "_X_AMZN_TRACE_ID";

/// The WASI context of one invocation, traced by `trace_id` when Lambda sent one.
pub(super) fn sandbox(
    config: &GuestConfig,
    trace_id: Option<&str>,
    stdout: &BoundedOutput,
    stderr: &BoundedOutput,
) -> WasiCtx {
    let mut builder = WasiCtx::builder();
    for (name, value) in &config.env {
        if name != TRACE_ID_VAR {
            builder.env(name, value);
        }
    }
    if let Some(trace_id) = trace_id {
        builder.env(TRACE_ID_VAR, trace_id);
    }
    builder
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
