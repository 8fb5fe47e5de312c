//! `bootstrap serve`: API Gateway on localhost in front of components, through the same
//! event -> request -> guest -> response path as on Lambda. With `--component PATH`, one
//! component behind a catch-all route or one function's template routes; with `--template`, a
//! whole SAM template: every function, every API on a port of its own, and their authorizers.
//! This file is the command line, the sockets and the server's lifecycle; [`gateway`] is the API
//! Gateway emulation, [`template`] the template's model, [`auth`] its authorizers.

mod accept;
pub mod api_kind;
pub mod auth;
pub(crate) mod binary;
pub(crate) mod cors;
pub mod export;
pub mod functions;
pub mod gateway;
mod reload;
pub mod routes;
pub mod template;

use std::convert::Infallible;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use self::accept::AcceptErrors;
use self::api_kind::ApiKind;
use self::auth::Guards;
use self::auth::jwks::KeyCache;
use self::functions::{Functions, LocalFunction};
use self::gateway::validation::Validator;
use self::gateway::{LocalApi, Target};
use self::routes::{RouteEntry, RouteTable};
use self::template::{Api, Template};
use crate::pipeline::InvokeMode;
use crate::settings::{Environment, Settings};

/// How long Ctrl-C waits for the requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a client has to send a request's headers once it has started; a connection that
/// sends part of them and stalls is closed rather than held forever.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The timeout of `--component` mode when `--timeout` is not given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The region `AWS::Region` and method ARNs name when the environment sets none.
const DEFAULT_REGION: &str = "us-east-1";

/// How `serve` runs: its command line.
#[derive(Debug, clap::Args)]
pub struct ServeOptions {
    /// The component to serve [default: $LAMBDA_WASM_COMPONENT]; with --template, a function's
    /// component as LOGICAL_ID=PATH (repeatable), over where `sam build` or `make package` put
    /// it.
    #[arg(long, short)]
    pub component: Vec<String>,
    /// A SAM template to serve whole: every function, every API (each on its own port, from
    /// --port up, unless --api picks one), their authorizers.
    #[arg(long, conflicts_with_all = ["routes", "payload", "stage"])]
    pub template: Option<PathBuf>,
    /// With --template, serve only this API (its logical id, e.g. `ServerlessRestApi`).
    #[arg(long, requires = "template")]
    pub api: Option<String>,
    /// With --template, a template parameter's value, NAME=VALUE (repeatable), over its default.
    #[arg(long = "parameter", requires = "template")]
    pub parameters: Vec<String>,
    /// The port to listen on (0 picks a free one); with --template, the first API's.
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// The event format: REST API (v1, the default) or HTTP API (v2).
    #[arg(long, value_enum)]
    pub payload: Option<ApiKind>,
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
    /// Each request's deadline, as a Lambda function timeout, in seconds [default: 30; with
    /// --template, each function's Timeout, else Lambda's 3].
    #[arg(long = "timeout", value_parser = seconds)]
    pub timeout: Option<Duration>,
    /// How the function answers: `response_stream` sends a REST API's responses to the client
    /// as the component writes them, as an integration in `STREAM` mode does (an HTTP API
    /// cannot stream, and answers buffered) [default: $LAMBDA_WASM_INVOKE_MODE, else buffered;
    /// with --template, each route's integration says].
    #[arg(long, value_enum, conflicts_with = "template")]
    pub invoke_mode: Option<InvokeMode>,
}

fn seconds(text: &str) -> Result<Duration, std::num::ParseIntError> {
    text.parse().map(Duration::from_secs)
}

/// Serves until Ctrl-C, then finishes the requests in flight.
pub async fn run(env: &Environment, options: ServeOptions) -> anyhow::Result<()> {
    if options.template.is_some() {
        return run_template(env, options).await;
    }
    let settings = Settings::read(env)?;
    let component = match options.component.as_slice() {
        [] => settings
            .lambda
            .component
            .clone()
            .context("no component given: pass --component or set LAMBDA_WASM_COMPONENT")?,
        [one] => PathBuf::from(one),
        _ => bail!("--component is given more than once: that takes --template"),
    };
    let kind = options.payload.unwrap_or(ApiKind::Rest);
    let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let invoke_mode = options.invoke_mode.unwrap_or(settings.lambda.invoke_mode);
    if invoke_mode == InvokeMode::ResponseStream && kind == ApiKind::Http {
        tracing::warn!(
            "an HTTP API cannot stream: its responses are sent whole, as on AWS; \
             --payload v1 streams as a REST API integration in STREAM mode"
        );
    }
    // Hot reload stops when the watchers are dropped: they live as long as the server.
    let Functions {
        by_name,
        watchers: _watchers,
    } = functions::single(env, &component, timeout)?;
    let function = by_name
        .into_values()
        .next()
        .context("the component was not loaded")?;
    // A route's own mode (a REST `Api` event's `ResponseTransferMode`) over the command line's.
    let target = |payload, mode: Option<InvokeMode>| {
        Arc::new(Target {
            function: function.clone(),
            payload,
            guard: None,
            validator: None,
            invoke_mode: mode.unwrap_or(invoke_mode),
        })
    };
    let routes = match &options.routes {
        Some(path) => {
            let template = Template::read(path, &[], &region(&settings))?;
            let entries = template
                .routes_of_kind(kind, options.function.as_deref())
                .into_iter()
                .map(|(route, api)| RouteEntry {
                    method: route.method,
                    path: route.path,
                    api,
                    target: target(route.payload, route.invoke_mode),
                });
            let table = RouteTable::new(kind, entries)
                .with_context(|| format!("reading routes from {}", path.display()))?;
            if table.is_empty() {
                bail!(
                    "{} has no {} events{}",
                    path.display(),
                    kind.sam_event_type(),
                    options
                        .function
                        .as_deref()
                        .map(|f| format!(" on function {f}"))
                        .unwrap_or_default()
                );
            }
            table
        }
        None => RouteTable::catch_all(kind, target(kind.default_payload(), None)),
    };
    let stage = options
        .stage
        .clone()
        .unwrap_or_else(|| kind.default_stage().to_owned());
    let api = Arc::new(LocalApi::new(routes, kind, stage, region(&settings)));
    let listener = bind(options.port).await?;
    let address = listener.local_addr()?;
    // Written, not `println!`ed: a closed stdout must not take the server down.
    let streamed = match invoke_mode {
        InvokeMode::ResponseStream if kind == ApiKind::Rest => ", responses streamed",
        _ => "",
    };
    let _ = writeln!(
        std::io::stdout(),
        "Serving {} on http://{address} ({}{streamed}); Ctrl-C to stop",
        component.display(),
        kind.describe()
    );
    accept_until_ctrl_c(&listener, &api).await;
    Ok(())
}

/// The region of `settings`, else [`DEFAULT_REGION`].
fn region(settings: &Settings) -> String {
    settings
        .lambda
        .region
        .clone()
        .unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

async fn bind(port: u16) -> anyhow::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{port}"))
}

/// `serve --template`: the template's APIs (or the one `--api` names), each on its own port.
async fn run_template(env: &Environment, options: ServeOptions) -> anyhow::Result<()> {
    let path = options.template.clone().context("no template")?;
    let settings = Settings::read(env)?;
    let region = region(&settings);
    let parameters = pairs(&options.parameters, "--parameter")?;
    let given: Vec<(String, PathBuf)> = pairs(&options.component, "--component")?
        .into_iter()
        .map(|(id, path)| (id, PathBuf::from(path)))
        .collect();
    let template = Template::read(&path, &parameters, &region)?;
    let apis: Vec<&Api> = match &options.api {
        Some(id) => vec![
            template
                .api(id)
                .with_context(|| format!("in {}", path.display()))?,
        ],
        None => template.apis.iter().collect(),
    };
    if apis.is_empty() {
        bail!("{} has no API with a route", path.display());
    }
    let mut names: Vec<&str> = Vec::new();
    for api in &apis {
        for name in api.functions() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let Functions {
        by_name,
        watchers: _watchers,
    } = functions::of_template(env, &template, &names, &given, options.timeout)?;
    let keys = Arc::new(KeyCache::new(settings.guest.outbound.tls().clone()));
    let mut served = Vec::new();
    for (index, api) in apis.iter().enumerate() {
        let local = local_api(api, &by_name, &keys, &region)
            .with_context(|| format!("serving {}", api.id))?;
        let port = match options.port {
            0 => 0,
            first => first
                .checked_add(index as u16)
                .context("--port leaves no room for every API: pick a lower one, or --api")?,
        };
        let listener = bind(port).await?;
        let address = listener.local_addr()?;
        let _ = writeln!(
            std::io::stdout(),
            "Serving {} ({}, stage {}) on http://{address}",
            api.id,
            api.kind.name(),
            api.stage
        );
        served.push((listener, Arc::new(local)));
    }
    let _ = writeln!(std::io::stdout(), "Ctrl-C to stop");
    let mut running = tokio::task::JoinSet::new();
    for (listener, api) in served {
        running.spawn(async move { accept_until_ctrl_c(&listener, &api).await });
    }
    while running.join_next().await.is_some() {}
    Ok(())
}

/// The local API of the template's `api`, on the loaded `functions`.
fn local_api(
    api: &Api,
    functions: &std::collections::HashMap<String, Arc<LocalFunction>>,
    keys: &Arc<KeyCache>,
    region: &str,
) -> anyhow::Result<LocalApi> {
    for note in &api.notes {
        tracing::warn!(api = %api.id, "{note}");
    }
    let mut guards = Guards::new(functions.clone(), keys.clone());
    let mut entries = Vec::with_capacity(api.routes.len());
    for route in &api.routes {
        let function = functions
            .get(&route.function)
            .with_context(|| format!("{}: {} is not loaded", route.origin, route.function))?;
        let guard = route
            .auth
            .as_ref()
            .map(|authorization| guards.route(authorization))
            .transpose()
            .with_context(|| format!("in {}", route.origin))?;
        let validator = route
            .validation
            .as_deref()
            .map(Validator::compile)
            .transpose()
            .with_context(|| format!("in {}", route.origin))?;
        entries.push(RouteEntry {
            method: route.method.clone(),
            path: route.path.clone(),
            api: api.settings.clone(),
            target: Arc::new(Target {
                function: function.clone(),
                payload: route.payload,
                guard,
                validator,
                invoke_mode: route.invoke_mode.unwrap_or_default(),
            }),
        });
    }
    let routes = RouteTable::new(api.kind, entries)?;
    Ok(LocalApi::new(
        routes,
        api.kind,
        api.stage.clone(),
        region.to_owned(),
    ))
}

/// `NAME=VALUE` pairs of a repeatable option.
fn pairs(values: &[String], option: &str) -> anyhow::Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|value| {
            value
                .split_once('=')
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .with_context(|| format!("{option} {value:?} is not NAME=VALUE"))
        })
        .collect()
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
