//! Sending one guest request under the [`OutboundPolicy`]: counted against the invocation's
//! budget, routed (allowlist or endpoint override), resolved by the host, checked on the
//! resolved address, signed when its service is listed (its body held within the invocation's
//! memory to hash it), then sent to that very address within the connect and first-byte timeouts,
//! its response body capped. Every refusal or failure is a `wasi:http` error for the guest and
//! one log line of the invocation, never a trap.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http::uri::PathAndQuery;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tracing::Instrument as _;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::allowlist::{Scheme, normalize_host, parse_ip};
use super::held_body::HeldBody;
use super::log::RequestLog;
use super::{Budget, Destination, OutboundPolicy, Refused, address};
use crate::memory_budget::MemoryBudget;

/// What the host's `send_request` gives `wasi:http`: the response, and the connection's work
/// (driven for as long as the guest holds the response).
pub type Sent = Result<
    (
        http::Response<WasiBody>,
        Box<dyn Future<Output = Result<(), Error>> + Send>,
    ),
    Error,
>;

/// The header AWS SDKs send the invocation's X-Ray trace in, so that X-Ray links the calls.
const TRACE_ID_HEADER: &str = "x-amzn-trace-id";

/// Sends `request` for a guest that has `time_left` before its deadline; a request the host
/// signs carries `trace_id` too, unless the guest set its own, as the AWS SDKs do. The returned
/// future owns everything it needs.
pub fn send(
    policy: &Arc<OutboundPolicy>,
    budget: &mut Budget,
    request: http::Request<WasiBody>,
    options: Option<RequestOptions>,
    time_left: Duration,
    trace_id: Option<&HeaderValue>,
) -> Pin<Box<dyn Future<Output = Sent> + Send>> {
    let uri = request.uri();
    let mut log = RequestLog::new(
        &budget.log,
        request.method().as_str(),
        uri.authority().map_or("", |authority| authority.as_str()),
        uri.path(),
    );
    let scheme = uri.scheme_str().and_then(Scheme::parse);
    let host = uri.host().map(normalize_host).unwrap_or_default();
    let routed = budget
        .take(&policy.limits)
        .map_err(|refused| (refused, Error::ConnectionLimitReached))
        .and_then(|()| {
            let scheme = scheme.ok_or((Refused("not an http(s) URL"), Error::HttpProtocolError))?;
            let port = uri.port_u16().unwrap_or(scheme.default_port());
            policy
                .route(scheme, &host, port)
                .map_err(|refused| (refused, Error::HttpRequestDenied))
        });
    let route = match routed {
        Ok(route) => route,
        Err((Refused(reason), error)) => {
            log.refused(reason);
            return Box::pin(std::future::ready(Err(error)));
        }
    };
    let policy = Arc::clone(policy);
    let trace_id = trace_id.cloned();
    let memory = budget.memory.clone();
    // Whatever task runs it, the request's work (credentials, connecting) is the invocation's.
    let span = budget.log.span().clone();
    let exchanged = async move {
        let now = Instant::now();
        let deadline = now + time_left;
        let guest = options.unwrap_or_default();
        let timeouts = Timeouts {
            connect: policy
                .limits
                .connect_timeout
                .min(guest.connect_timeout.unwrap_or(Duration::MAX)),
            first_byte: policy
                .limits
                .timeout
                .min(guest.first_byte_timeout.unwrap_or(Duration::MAX)),
            deadline,
        };
        let exchanged = timeout_at(
            deadline,
            exchange(
                &policy, route, request, trace_id, &mut log, timeouts, &memory,
            ),
        )
        .await
        .unwrap_or(Err(Failure::Error(Error::HttpResponseTimeout)));
        match exchanged {
            Ok((response, connection)) => {
                let status = response.status().as_u16();
                let cap = policy.limits.max_response_bytes;
                if let Some(length) = response
                    .body()
                    .size_hint()
                    .exact()
                    .filter(|length| *length > cap)
                {
                    log.finished(
                        Some(status),
                        0,
                        Some(&format!(
                            "a {length}-byte response is over the {cap}-byte cap"
                        )),
                    );
                    return Err(Error::HttpResponseBodySize(Some(length)));
                }
                let response = response.map(|body| {
                    MeteredBody {
                        inner: body,
                        cap,
                        received: 0,
                        status,
                        log: Some(log),
                    }
                    .boxed_unsync()
                });
                let connection: Box<dyn Future<Output = Result<(), Error>> + Send> =
                    Box::new(async move { connection.await.map_err(Error::from) });
                Ok((response, connection))
            }
            Err(Failure::Refused(reason)) => {
                log.refused(reason);
                Err(Error::DestinationIpProhibited)
            }
            Err(Failure::Error(error)) => {
                log.finished(None, 0, Some(&error.to_string()));
                Err(error)
            }
            Err(Failure::Explained(error, reason)) => {
                log.finished(None, 0, Some(&reason));
                Err(error)
            }
        }
    };
    Box::pin(exchanged.instrument(span))
}

enum Failure {
    Refused(&'static str),
    Error(Error),
    /// An error the guest gets, with what the log says about it.
    Explained(Error, String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Error(error)
    }
}

type Connection = wasmtime_wasi::runtime::AbortOnDropJoinHandle<Result<(), hyper::Error>>;

/// The connect and first-byte timeouts, each started afresh where it applies and never past the
/// invocation's deadline: the connect timeout for resolving and again for connecting, the
/// first-byte timeout once the request goes out. The time a guest takes to write a body the host
/// holds to sign falls before them and is bounded by the deadline alone.
#[derive(Clone, Copy)]
struct Timeouts {
    connect: Duration,
    first_byte: Duration,
    deadline: Instant,
}

impl Timeouts {
    fn connect_by(self) -> Instant {
        self.deadline.min(Instant::now() + self.connect)
    }

    fn first_byte_by(self) -> Instant {
        self.deadline.min(Instant::now() + self.first_byte)
    }
}

/// Resolves, checks, signs, connects and sends; the response headers and the connection.
async fn exchange(
    policy: &OutboundPolicy,
    route: Destination,
    request: http::Request<WasiBody>,
    trace_id: Option<HeaderValue>,
    log: &mut RequestLog,
    timeouts: Timeouts,
    memory: &MemoryBudget,
) -> Result<(http::Response<hyper::body::Incoming>, Connection), Failure> {
    let address = resolve_and_check(policy, &route, timeouts.connect_by()).await?;
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", PathAndQuery::as_str);
    let path = format!("{}{path}", route.base_path);
    let default_port = route.port == route.scheme.default_port();
    let host_header = if default_port {
        route.host.clone()
    } else {
        format!("{}:{}", route.host, route.port)
    };
    let scheme = match route.scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    };
    parts.uri = format!("{scheme}://{host_header}{path}")
        .parse()
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    parts.headers.insert(
        http::header::HOST,
        host_header
            .parse()
            .map_err(|_| Error::HttpRequestUriInvalid)?,
    );
    let mut request = http::Request::from_parts(parts, body);
    if let (Some(service), Some(signer)) = (route.service.as_deref(), policy.signer()) {
        let (parts, body) = request.into_parts();
        let body = HeldBody::hold(body, memory).await.map_err(|not_held| {
            let (error, reason) = not_held.into_error();
            Failure::Explained(error, reason)
        })?;
        let mut signed = http::Request::from_parts(parts, ());
        if let Some(trace_id) = trace_id {
            signed
                .headers_mut()
                .entry(TRACE_ID_HEADER)
                .or_insert(trace_id);
        }
        let internal = |error: anyhow::Error| Error::InternalError(Some(format!("{error:#}")));
        let credentials = signer.credentials().await.map_err(internal)?;
        signer
            .sign(&credentials, &mut signed, body.payload_sha256(), service)
            .map_err(internal)?;
        log.signed();
        request = signed.map(|()| body.boxed_unsync());
    }
    // On the wire the request line carries the path only.
    *request.uri_mut() = path.parse().map_err(|_| Error::HttpRequestUriInvalid)?;

    let connect_by = timeouts.connect_by();
    let stream = timeout_at(connect_by, TcpStream::connect(address))
        .await
        .map_err(|_| Error::ConnectionTimeout)?
        .map_err(Error::Connect)?;
    let (mut sender, connection) = match route.scheme {
        Scheme::Http => handshake(stream).await?,
        Scheme::Https => {
            let name = server_name(&route.host)?;
            let tls = timeout_at(connect_by, policy.tls().connector().connect(name, stream))
                .await
                .map_err(|_| Error::ConnectionTimeout)?
                .map_err(Error::Tls)?;
            handshake(tls).await?
        }
    };
    let response = timeout_at(timeouts.first_byte_by(), sender.send_request(request))
        .await
        .map_err(|_| Error::HttpResponseTimeout)?
        .map_err(Error::from)?;
    Ok((response, connection))
}

/// The address to connect to: the route's host resolved here (never by the guest), the first
/// address the policy lets through; a name whose every address is refused is refused.
async fn resolve_and_check(
    policy: &OutboundPolicy,
    route: &Destination,
    connect_by: Instant,
) -> Result<SocketAddr, Failure> {
    let addresses: Vec<SocketAddr> = match parse_ip(&route.host) {
        Some(ip) => vec![SocketAddr::new(ip, route.port)],
        None => timeout_at(
            connect_by,
            tokio::net::lookup_host((route.host.as_str(), route.port)),
        )
        .await
        .map_err(|_| Error::DnsTimeout)?
        .map_err(|_| Error::DnsError {
            rcode: None,
            info_code: None,
        })?
        .collect(),
    };
    let mut refusal = None;
    for address in addresses {
        match address::check(address, policy.runtime_api(), route.private_allowed) {
            None => return Ok(address),
            Some(refused) => refusal = refusal.or(Some(refused)),
        }
    }
    Err(
        refusal.map_or(Failure::Error(Error::DestinationNotFound), |refused| {
            Failure::Refused(refused.reason())
        }),
    )
}

async fn handshake<S>(
    stream: S,
) -> Result<
    (
        hyper::client::conn::http1::SendRequest<WasiBody>,
        Connection,
    ),
    Error,
>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    Ok((
        sender,
        wasmtime_wasi::runtime::spawn(connection.in_current_span()),
    ))
}

/// The name TLS verifies the certificate for.
fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    match parse_ip(host) {
        Some(ip) => Ok(ServerName::from(ip)),
        None => ServerName::try_from(host.to_owned()).map_err(|_| Error::HttpRequestUriInvalid),
    }
}

/// A response body counted against the cap, whose request is logged once it ends.
struct MeteredBody {
    inner: hyper::body::Incoming,
    cap: u64,
    received: u64,
    status: u16,
    /// Taken when logged.
    log: Option<RequestLog>,
}

impl MeteredBody {
    fn finish(&mut self, error: Option<&str>) {
        if let Some(log) = self.log.take() {
            log.finished(Some(self.status), self.received, error);
        }
    }
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        if this.log.is_none() {
            // Ended, failed or over the cap: nothing more is read.
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            None => {
                this.finish(None);
                Poll::Ready(None)
            }
            Some(Err(error)) => {
                let error = Error::from(error);
                this.finish(Some(&error.to_string()));
                Poll::Ready(Some(Err(error)))
            }
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                    if this.received > this.cap {
                        let cap = this.cap;
                        this.finish(Some(&format!(
                            "the response body went past the {cap}-byte cap"
                        )));
                        return Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(
                            this.received,
                        )))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.log.is_none() || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for MeteredBody {
    fn drop(&mut self) {
        // The guest dropped the body before its end: the request is still logged, once.
        self.finish(None);
    }
}
