//! `bootstrap serve`: API Gateway on localhost in front of the component, through the same
//! event -> request -> guest -> response path as on Lambda. This file is the command line, the
//! socket and the server's lifecycle; [`gateway`] is the API Gateway emulation.

mod accept;
pub mod api_kind;
pub(crate) mod binary;
pub(crate) mod cors;
pub mod gateway;
mod reload;
pub mod routes;
mod template;

use std::convert::Infallible;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use notify::RecommendedWatcher;
use tokio::net::TcpListener;

use self::accept::AcceptErrors;
use self::api_kind::ApiKind;
use self::gateway::LocalApi;
use self::reload::LiveComponent;
use self::routes::RouteTable;
use crate::component::Loader;
use crate::engine::Concurrency;
use crate::pipeline::InvokeMode;
use crate::settings::{Environment, Settings};

/// How long Ctrl-C waits for the requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a request's headers once it has started; a connection that
/// sends part of them and stalls is closed rather than held forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How `serve` runs: its command line.
#[derive(Debug, clap::Args)]
pub struct ServeOptions {
    /// The component to serve [default: $LAMBDA_WASM_COMPONENT].
    #[arg(long, short)]
    pub component: Option<PathBuf>,
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// The event format: REST API (v1) or HTTP API (v2).
    #[arg(long, value_enum, default_value_t = ApiKind::Rest)]
    pub payload: ApiKind,
    /// The API stage the events name (default: `Prod` for v1, `$default` for v2).
    #[arg(long)]
    pub stage: Option<String>,
    /// A SAM template whose Api (v1) or HttpApi (v2) events give the routes; without it every
    /// path goes to the component.
    #[arg(long)]
    pub routes: Option<PathBuf>,
    /// With --routes, only the events of this function (its logical id).
    #[arg(long, requires = "routes")]
    pub function: Option<String>,
    /// Each request's deadline, as a Lambda function timeout, in seconds.
    #[arg(long = "timeout", default_value = "30", value_parser = seconds)]
    pub timeout: Duration,
    /// How the function answers: `response_stream` sends a REST API's responses to the client
    /// as the component writes them, as an integration in `STREAM` mode does (an HTTP API
    /// cannot stream, and answers buffered) [default: $LAMBDA_WASM_INVOKE_MODE, else buffered].
    #[arg(long, value_enum)]
    pub invoke_mode: Option<InvokeMode>,
}

fn seconds(text: &str) -> Result<Duration, std::num::ParseIntError> {
    text.parse().map(Duration::from_secs)
}

/// Serves until Ctrl-C, then finishes the requests in flight.
pub async fn run(env: &Environment, options: ServeOptions) -> anyhow::Result<()> {
    let settings = Settings::read(env)?;
    let component = options
        .component
        .clone()
        .or(settings.lambda.component)
        .context("no component given: pass --component or set LAMBDA_WASM_COMPONENT")?;
    let loader = Loader::new(settings.guest, Concurrency::Concurrent)?;
    let invoke_mode = options.invoke_mode.unwrap_or(settings.lambda.invoke_mode);
    if invoke_mode == InvokeMode::ResponseStream && options.payload == ApiKind::Http {
        tracing::warn!(
            "an HTTP API cannot stream: its responses are sent whole, as on AWS; \
             --payload v1 streams as a REST API integration in STREAM mode"
        );
    }
    // Hot reload stops when the watcher is dropped: it lives as long as the server.
    let (api, _watcher) = local_api(loader, &component, &options, invoke_mode)?;
    let api = Arc::new(api);
    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{}", options.port))?;
    let address = listener.local_addr()?;
    // Written, not `println!`ed: a closed stdout must not take the server down.
    let streamed = match invoke_mode {
        InvokeMode::ResponseStream if options.payload == ApiKind::Rest => ", responses streamed",
        _ => "",
    };
    let _ = writeln!(
        std::io::stdout(),
        "Serving {} on http://{address} ({}{streamed}); Ctrl-C to stop",
        component.display(),
        options.payload.describe()
    );
    accept_until_ctrl_c(&listener, &api).await;
    Ok(())
}

/// The local API the options describe, and the watcher that reloads its component.
fn local_api(
    loader: Loader,
    component: &Path,
    options: &ServeOptions,
    invoke_mode: InvokeMode,
) -> anyhow::Result<(LocalApi, RecommendedWatcher)> {
    let live = Arc::new(LiveComponent::new(loader.load(component)?));
    let watcher = reload::watch(loader, component.to_owned(), live.clone())?;
    let routes = match &options.routes {
        Some(template) => RouteTable::from_template(
            template,
            options.payload,
            options.function.as_deref(),
            invoke_mode,
        )?,
        None => RouteTable::catch_all(options.payload, invoke_mode),
    };
    let stage = options
        .stage
        .clone()
        .unwrap_or_else(|| options.payload.default_stage().to_owned());
    let api = LocalApi::new(live, routes, options.payload, stage, options.timeout);
    Ok((api, watcher))
}

/// Serves each connection on its own task until Ctrl-C, then drains them.
async fn accept_until_ctrl_c(listener: &TcpListener, api: &Arc<LocalApi>) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(tokio::signal::ctrl_c());
    let mut errors = AcceptErrors::default();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, client) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Retrying at once would spin while the cause (no file descriptors
                        // left) lasts, and log every attempt.
                        accept::back_off(&err, errors.failed(std::time::Instant::now())).await;
                        continue;
                    }
                };
                errors.succeeded();
                let api = api.clone();
                let service = hyper::service::service_fn(move |request| {
                    let api = api.clone();
                    async move { Ok::<_, Infallible>(api.answer(request, client).await) }
                });
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(err) = connection.await {
                        tracing::debug!("connection from {client} ended: {err}");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    tracing::info!("stopping: finishing the requests in flight");
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}
