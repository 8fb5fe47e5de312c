//! The WASI a guest gets: only the environment variables allowed by name, no files and no
//! network (the Lambda environment holds the function's AWS credentials). Clocks and randomness
//! work, stdin is empty, stdout and stderr are captured up to a cap.

use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::GuestConfig;
use super::HostState;
use super::output::BoundedOutput;

/// The WASI context of one invocation.
pub(super) fn sandbox(
    config: &GuestConfig,
    stdout: &BoundedOutput,
    stderr: &BoundedOutput,
) -> WasiCtx {
    WasiCtx::builder()
        .envs(&config.env)
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
