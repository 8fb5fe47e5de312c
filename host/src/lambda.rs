//! Lambda mode: the Runtime API loop, with the component loaded once at init.

mod runtime_api;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use lambda_runtime::Diagnostic;

use self::runtime_api::{Invocation, RuntimeApi};
use crate::bindings::InvocationContext;
use crate::component::{GuestComponent, Loader};
use crate::config::GuestConfig;
use crate::engine::Concurrency;
use crate::{proxy, wall_clock};

/// Lambda's `errorType` for a component that could not be loaded at init.
const INIT_ERROR_TYPE: &str = "Runtime.ComponentLoadError";
/// Lambda's `errorType` for a configuration variable out of its range, at init.
const CONFIG_ERROR_TYPE: &str = "Runtime.ConfigurationError";

/// The component to run: `--component`, else `$LAMBDA_TASK_ROOT/$_HANDLER` (the template's
/// `Handler`, e.g. `hello_world.wasm`).
pub fn component_path(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    let handler = std::env::var_os("_HANDLER")
        .filter(|handler| !handler.is_empty())
        .context("no component given: pass --component, set LAMBDA_WASM_COMPONENT, or set the function's Handler")?;
    let task_root = std::env::var_os("LAMBDA_TASK_ROOT").unwrap_or_else(|| ".".into());
    Ok(Path::new(&task_root).join(handler))
}

/// Reads the configuration, loads the component and serves invocations until the Runtime API
/// goes away. A configuration or a component that cannot be used is reported to Lambda as an
/// init error.
pub async fn run(component: Option<PathBuf>) -> anyhow::Result<()> {
    for variable in [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    ] {
        if std::env::var_os(variable).is_none() {
            bail!(
                "{variable} is not set: Lambda mode runs inside AWS Lambda (use `bootstrap invoke` locally)"
            );
        }
    }
    let address = std::env::var("AWS_LAMBDA_RUNTIME_API").context(
        "AWS_LAMBDA_RUNTIME_API is not set: Lambda mode runs inside AWS Lambda (use `bootstrap invoke` locally)",
    )?;
    let config = match GuestConfig::from_env() {
        Ok(config) => config,
        Err(err) => return Err(init_error(&address, CONFIG_ERROR_TYPE, err).await),
    };
    let handler = match component_path(component).and_then(|path| load(config, &path)) {
        Ok(handler) => handler,
        Err(err) => return Err(init_error(&address, INIT_ERROR_TYPE, err).await),
    };
    let api = RuntimeApi::new(&address)?;
    let function = Function::from_env();
    loop {
        let Some(invocation) = api.next().await? else {
            continue;
        };
        match answer(&handler, &function, &invocation).await {
            Ok(response) => api.respond(&invocation, response).await?,
            Err(diagnostic) => api.fail(&invocation, &diagnostic).await?,
        }
    }
}

/// The function's name and version, as Lambda sets them.
struct Function {
    name: String,
    version: String,
}

impl Function {
    fn from_env() -> Self {
        let var = |name| {
            std::env::var_os(name)
                .map(|value| value.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        Self {
            name: var("AWS_LAMBDA_FUNCTION_NAME"),
            version: var("AWS_LAMBDA_FUNCTION_VERSION"),
        }
    }
}

/// The proxy response JSON for one invocation, or why the invocation fails.
async fn answer(
    handler: &GuestComponent,
    function: &Function,
    invocation: &Invocation,
) -> Result<Vec<u8>, Diagnostic> {
    let context = InvocationContext {
        request_id: invocation.request_id.clone(),
        function_name: function.name.clone(),
        function_version: function.version.clone(),
        deadline_epoch_ms: plausible_deadline(invocation.deadline_epoch_ms),
    };
    let (handler, event) = (handler.clone(), invocation.body.clone());
    // Its own task, so that a panic in the host fails this invocation alone.
    let handled =
        tokio::spawn(async move { proxy::handle_event(&handler, &event, context).await }).await;
    match handled {
        Ok(Ok(response)) => serde_json::to_vec(&response).map_err(|err| Diagnostic {
            error_type: "Runtime.SerializationError".to_owned(),
            error_message: err.to_string(),
        }),
        Ok(Err(err)) => Err(Diagnostic {
            error_type: err.kind().to_owned(),
            error_message: err.to_string(),
        }),
        Err(join_err) => {
            tracing::error!("the invocation panicked: {join_err}");
            Err(Diagnostic {
                error_type: "Runtime.HostPanic".to_owned(),
                error_message: "the host failed on this invocation".to_owned(),
            })
        }
    }
}

fn load(config: GuestConfig, path: &Path) -> anyhow::Result<GuestComponent> {
    let handler = Loader::new(config, Concurrency::Sequential)?.load(path)?;
    tracing::info!(component = %path.display(), "component loaded");
    Ok(handler)
}

/// Lambda's longest timeout: the deadline used when the Runtime API gives none that makes sense.
const MAX_LAMBDA_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Lambda always sends a deadline in the future; local emulators (`cargo lambda watch`) send a
/// placeholder such as 600000, which would time every guest out at once.
fn plausible_deadline(deadline_epoch_ms: u64) -> u64 {
    if deadline_epoch_ms > wall_clock::now_epoch_ms() {
        return deadline_epoch_ms;
    }
    tracing::warn!(
        deadline_epoch_ms,
        "the Runtime API's deadline has passed already; using Lambda's longest timeout"
    );
    wall_clock::deadline_after(MAX_LAMBDA_TIMEOUT)
}

/// Posts `err` to `/runtime/init/error` as `error_type`, as Lambda expects of a runtime that
/// cannot start, and gives it back for `bootstrap` to exit with.
async fn init_error(address: &str, error_type: &str, err: anyhow::Error) -> anyhow::Error {
    let diagnostic = Diagnostic {
        error_type: error_type.to_owned(),
        error_message: format!("{err:#}"),
    };
    if let Err(report_err) = runtime_api::report_init_error(address, &diagnostic).await {
        tracing::error!("could not report the init error to the Runtime API: {report_err:#}");
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_in_the_past_becomes_lambdas_longest_timeout() {
        let now_ms = wall_clock::now_epoch_ms();
        assert_eq!(plausible_deadline(now_ms + 3_000), now_ms + 3_000);
        let fallback = plausible_deadline(600_000);
        assert!(
            fallback >= now_ms + 899_000 && fallback <= now_ms + 901_000,
            "{fallback}"
        );
    }
}
