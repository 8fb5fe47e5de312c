//! Lambda mode: the Runtime API loop, with the component loaded once at init.

mod runtime_api;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use lambda_runtime::Diagnostic;
use tokio::task::JoinSet;
use tracing::Instrument as _;

use self::runtime_api::{Invocation, RuntimeApi};
use crate::bindings::{FunctionContext, InvocationContext};
use crate::component::{GuestComponent, Loader};
use crate::engine::Concurrency;
use crate::pipeline::{self, Answer, Delivery, InvokeMode};
use crate::sandbox::{GuestConfig, LambdaContext};
use crate::settings::{Environment, FunctionSettings, Settings};
use crate::wall_clock;

/// Lambda's `errorType` for a component that could not be loaded at init.
const INIT_ERROR_TYPE: &str = "Runtime.ComponentLoadError";
/// Lambda's `errorType` for a configuration variable out of its range, at init.
const CONFIG_ERROR_TYPE: &str = "Runtime.ConfigurationError";

/// Reads the settings, loads the component (`component`, else the one the environment names:
/// `LAMBDA_WASM_COMPONENT`, else `$LAMBDA_TASK_ROOT/$_HANDLER`) and serves invocations until the
/// Runtime API goes away. Settings or a component that cannot be used are reported to Lambda as
/// an init error.
pub async fn run(env: &Environment, component: Option<PathBuf>) -> anyhow::Result<()> {
    let not_on_lambda = "AWS_LAMBDA_RUNTIME_API is not set: Lambda mode runs inside AWS Lambda (use `bootstrap invoke` locally)";
    let address = env.runtime_api().context(not_on_lambda)??;
    let Settings { lambda, guest } = match Settings::read(env) {
        Ok(settings) => settings,
        Err(err) => return Err(init_error(&address.uri, CONFIG_ERROR_TYPE, err).await),
    };
    lambda.require_lambda()?;
    let max_concurrency = lambda.max_concurrency;
    let concurrency = max_concurrency.map_or(Concurrency::Sequential, Concurrency::Invocations);
    let path = component
        .or(lambda.component.clone())
        .or(lambda.handler.clone())
        .context("no component given: pass --component, set LAMBDA_WASM_COMPONENT, or set the function's Handler");
    let handler = match path.and_then(|path| load(guest, &path, concurrency)) {
        Ok(handler) => handler,
        Err(err) => return Err(init_error(&address.uri, INIT_ERROR_TYPE, err).await),
    };
    let pollers = max_concurrency.unwrap_or(1);
    let api = Arc::new(RuntimeApi::new(&address.uri, pollers as usize));
    let function = Arc::new(lambda.function);
    let mode = lambda.invoke_mode;
    if mode == InvokeMode::ResponseStream {
        tracing::info!("streaming responses to REST APIs and Function URLs");
    }
    if max_concurrency.is_none() {
        return poll(api, handler, function, mode).await;
    }
    // Lambda Managed Instances: as many `/next` polls at once as Lambda may hand out
    // invocations, each serving its invocations on fresh instances of the one component.
    tracing::info!(
        max_concurrency = pollers,
        "serving invocations concurrently"
    );
    let mut running = JoinSet::new();
    for _ in 0..pollers {
        running.spawn(poll(api.clone(), handler.clone(), function.clone(), mode));
    }
    // A poller stops only when the Runtime API is gone, which ends the process.
    match running.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(join_err)) => Err(anyhow!("a Runtime API poller failed: {join_err}")),
        None => Ok(()),
    }
}

/// Takes invocations one after the other and answers each as `mode` says, until the Runtime API
/// goes away.
async fn poll(
    api: Arc<RuntimeApi>,
    handler: GuestComponent,
    function: Arc<FunctionSettings>,
    mode: InvokeMode,
) -> anyhow::Result<()> {
    loop {
        let Some(invocation) = api.next().await? else {
            continue;
        };
        // The runtime's own lines about this invocation carry its request id, as the guest's
        // and the invocation's lines do (`pipeline::handle_event`'s span).
        let span = tracing::info_span!(
            "invocation",
            lambda_request_id = %invocation.request_id,
        );
        let context = span.in_scope(|| invocation_context(&function, &invocation));
        let answered = answer(&handler, &invocation, context, mode).await;
        async {
            match answered {
                Ok(Reply::Whole(response)) => api.respond(&invocation, response).await,
                Ok(Reply::Streamed(streamed)) => api.stream(&invocation, streamed).await,
                Err(diagnostic) => api.fail(&invocation, &diagnostic).await,
            }
        }
        .instrument(span)
        .await?;
    }
}

/// What the guest is told about `invocation`.
fn invocation_context(function: &FunctionSettings, invocation: &Invocation) -> LambdaContext {
    LambdaContext {
        context: InvocationContext {
            request_id: invocation.request_id.clone(),
            function_name: function.name.clone().unwrap_or_default(),
            function_version: function.version.clone().unwrap_or_default(),
            deadline_epoch_ms: plausible_deadline(invocation.deadline_epoch_ms),
        },
        function: FunctionContext {
            invoked_function_arn: invocation.invoked_function_arn.clone(),
            memory_limit_in_mb: function.memory_mb.unwrap_or_default(),
            log_group_name: function.log_group.clone(),
            log_stream_name: function.log_stream.clone(),
        },
        trace_id: invocation.trace_id.clone(),
        tenant_id: invocation.tenant_id.clone(),
    }
}

/// What the runtime posts for one invocation.
enum Reply {
    /// The proxy response JSON, or an authorizer's result, whole.
    Whole(Vec<u8>),
    /// A response streamed as the guest writes it.
    Streamed(pipeline::StreamedResponse),
}

/// The answer to one invocation, or why the invocation fails.
async fn answer(
    handler: &GuestComponent,
    invocation: &Invocation,
    context: LambdaContext,
    mode: InvokeMode,
) -> Result<Reply, Diagnostic> {
    let (handler, event) = (handler.clone(), invocation.body.clone());
    // Its own task, so that a panic in the host fails this invocation alone.
    let handled =
        tokio::spawn(async move { pipeline::answer_event(&handler, event, context, mode).await })
            .await;
    match handled {
        Ok(Ok(Delivery::Streamed(streamed))) => Ok(Reply::Streamed(streamed)),
        Ok(Ok(Delivery::Whole(Answer::Proxy(response)))) => serde_json::to_vec(&response)
            .map(Reply::Whole)
            .map_err(|err| Diagnostic {
                error_type: "Runtime.SerializationError".to_owned(),
                error_message: err.to_string(),
            }),
        // An authorizer's answer goes back as the function returned it; its error fails the
        // invocation, for API Gateway to answer 401 to `Unauthorized` and 500 to the rest.
        Ok(Ok(Delivery::Whole(Answer::Authorizer(result)))) => result
            .map(|result| Reply::Whole(result.into_bytes()))
            .map_err(|error| Diagnostic {
                error_type: error.error_type,
                error_message: error.error_message,
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

fn load(
    config: GuestConfig,
    path: &Path,
    concurrency: Concurrency,
) -> anyhow::Result<GuestComponent> {
    let handler = Loader::new(config, concurrency)?.load(path)?;
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
async fn init_error(address: &http::Uri, error_type: &str, err: anyhow::Error) -> anyhow::Error {
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
