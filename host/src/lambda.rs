//! Lambda mode: the Runtime API loop, with the component loaded once at init.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use lambda_runtime_api_client::body::Body;
use serde_json::value::RawValue;

use crate::bindings::InvocationContext;
use crate::component::{HandlerComponent, Loader};
use crate::engine::Concurrency;
use crate::event::EventError;
use crate::{proxy, wall_clock};

/// Lambda's `errorType` for a component that could not be loaded at init.
const INIT_ERROR_TYPE: &str = "Runtime.ComponentLoadError";

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

/// Loads the component and serves invocations until the Runtime API goes away. A component
/// that cannot be loaded is reported to Lambda as an init error.
pub async fn run(component: Option<PathBuf>) -> anyhow::Result<()> {
    for variable in [
        "AWS_LAMBDA_RUNTIME_API",
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
    let handler = match component_path(component).and_then(|path| load(&path)) {
        Ok(handler) => handler,
        Err(err) => {
            report_init_error(&err).await;
            return Err(err);
        }
    };
    let handler = &handler;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<Box<RawValue>>| async move {
            let invocation = invocation_context(&event.context);
            proxy::handle_event(handler, event.payload.get().as_bytes(), invocation)
                .await
                .map_err(InvocationError)
        },
    ))
    .await
    .map_err(|err| anyhow::anyhow!(err).context("the Lambda Runtime API loop stopped"))
}

fn load(path: &Path) -> anyhow::Result<HandlerComponent> {
    let handler = Loader::from_env(Concurrency::Sequential)?.load(path)?;
    tracing::info!(component = %path.display(), "component loaded");
    Ok(handler)
}

fn invocation_context(context: &lambda_runtime::Context) -> InvocationContext {
    InvocationContext {
        request_id: context.request_id.clone(),
        function_name: context.env_config.function_name.clone(),
        function_version: context.env_config.version.clone(),
        deadline_epoch_ms: plausible_deadline(context.deadline),
    }
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

/// An event that is not a proxy event: the invocation fails with a named `errorType`.
#[derive(Debug)]
struct InvocationError(EventError);

impl From<InvocationError> for Diagnostic {
    fn from(InvocationError(err): InvocationError) -> Self {
        Diagnostic {
            error_type: err.kind().to_owned(),
            error_message: err.to_string(),
        }
    }
}

/// Posts the error to `/runtime/init/error`, as Lambda expects of a runtime that cannot start.
async fn report_init_error(err: &anyhow::Error) {
    let report = async {
        let diagnostic = Diagnostic {
            error_type: INIT_ERROR_TYPE.to_owned(),
            error_message: format!("{err:#}"),
        };
        let request = lambda_runtime_api_client::build_request()
            .method(http::Method::POST)
            .uri("/2018-06-01/runtime/init/error")
            .header("lambda-runtime-function-error-type", INIT_ERROR_TYPE)
            .body(Body::from(serde_json::to_vec(&diagnostic)?))?;
        let client = lambda_runtime_api_client::Client::builder().build()?;
        client.call(request).await?;
        Ok::<_, lambda_runtime::Error>(())
    };
    if let Err(report_err) = report.await {
        tracing::error!("could not report the init error to the Runtime API: {report_err}");
    }
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
