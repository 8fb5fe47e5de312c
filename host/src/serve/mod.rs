//! `bootstrap serve`: API Gateway on localhost in front of the component, through the same
//! event -> request -> guest -> response path as on Lambda.

pub mod gateway;
mod reload;
pub mod routes;

use std::convert::Infallible;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use self::gateway::{Arrival, HttpRequest, HttpResponse};
use self::reload::LiveComponent;
use self::routes::{Payload, RouteTable};
use crate::component::{Concurrency, Loader};
use crate::proxy;

/// API Gateway refuses request payloads over 10 MB.
const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// How `serve` runs: its command line.
#[derive(Debug, clap::Args)]
pub struct ServeOptions {
    /// The component to serve.
    #[arg(long, short, env = "LAMBDA_WASM_COMPONENT")]
    pub component: PathBuf,
    /// The port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// The event format: REST API (v1) or HTTP API (v2).
    #[arg(long, value_enum, default_value_t = Payload::V1)]
    pub payload: Payload,
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
}

fn seconds(text: &str) -> Result<Duration, std::num::ParseIntError> {
    text.parse().map(Duration::from_secs)
}

struct LocalApi {
    live: Arc<LiveComponent>,
    routes: RouteTable,
    payload: Payload,
    stage: String,
    timeout: Duration,
}

/// Serves until Ctrl-C, then finishes the requests in flight.
pub async fn run(options: ServeOptions) -> anyhow::Result<()> {
    let loader = Loader::from_env(Concurrency::Concurrent)?;
    let live = Arc::new(LiveComponent::new(loader.load(&options.component)?));
    let _watcher = reload::watch(loader, options.component.clone(), live.clone())?;
    let routes = match &options.routes {
        Some(template) => {
            RouteTable::from_template(template, options.payload, options.function.as_deref())?
        }
        None => RouteTable::catch_all(options.payload),
    };
    let stage = options
        .stage
        .clone()
        .unwrap_or_else(|| match options.payload {
            // SAM names the implicit REST API's stage `Prod`; HTTP APIs default to `$default`.
            Payload::V1 => "Prod".to_owned(),
            Payload::V2 => "$default".to_owned(),
        });
    let api = Arc::new(LocalApi {
        live,
        routes,
        payload: options.payload,
        stage,
        timeout: options.timeout,
    });

    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{}", options.port))?;
    let address = listener.local_addr()?;
    // Written, not `println!`ed: a closed stdout must not take the server down.
    let _ = writeln!(
        std::io::stdout(),
        "Serving {} on http://{address} ({:?} payload); Ctrl-C to stop",
        options.component.display(),
        options.payload
    );

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, client) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        tracing::warn!("accepting a connection failed: {err}");
                        continue;
                    }
                };
                let api = api.clone();
                let service = hyper::service::service_fn(move |request| {
                    let api = api.clone();
                    async move { Ok::<_, Infallible>(api.answer(request, client).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
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
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}

impl LocalApi {
    async fn answer(
        &self,
        request: hyper::Request<Incoming>,
        client: SocketAddr,
    ) -> hyper::Response<Full<Bytes>> {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let response = self.respond(request, client, &request_id).await;
        tracing::info!(
            %method,
            %path,
            status = response.status,
            duration_ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
            request_id,
            "request"
        );
        into_hyper(response, &request_id)
    }

    async fn respond(
        &self,
        request: hyper::Request<Incoming>,
        client: SocketAddr,
        request_id: &str,
    ) -> HttpResponse {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(body) => body.to_bytes().to_vec(),
            Err(_) => return gateway::gateway_error(413, "Request Too Long"),
        };
        let request = HttpRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            raw_query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: parts
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            body,
            client_ip: client.ip(),
        };
        let Some(matched) = self.routes.find(&request.method, &request.path) else {
            return match self.payload {
                Payload::V1 => gateway::gateway_error(403, "Missing Authentication Token"),
                Payload::V2 => gateway::gateway_error(404, "Not Found"),
            };
        };
        let domain_name = parts
            .headers
            .get(http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let arrival = Arrival {
            request_id,
            stage: &self.stage,
            domain_name,
            epoch_ms: now.as_millis() as u64,
        };
        let event = gateway::event(self.payload, &request, &matched, &arrival);
        let event = serde_json::to_vec(&event).unwrap_or_default();
        let handler = self.live.current();
        match proxy::handle_event(
            handler.as_ref(),
            &event,
            proxy::local_invocation(self.timeout),
        )
        .await
        {
            Ok(response) => gateway::http_response(response).unwrap_or_else(|err| {
                tracing::error!("the proxy response has an invalid base64 body: {err}");
                gateway::gateway_error(502, "Internal server error")
            }),
            // As API Gateway answers a failed Lambda invocation.
            Err(_) => gateway::gateway_error(502, "Internal server error"),
        }
    }
}

fn into_hyper(response: HttpResponse, request_id: &str) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder()
        .status(response.status)
        .header("x-amzn-requestid", request_id);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|err| {
            tracing::error!("building the HTTP response failed: {err}");
            let mut response = hyper::Response::new(Full::new(Bytes::from_static(
                br#"{"message":"Internal server error"}"#,
            )));
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            response
        })
}
