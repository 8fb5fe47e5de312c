//! A standard `wasi:http` 0.2 incoming-handler component (`wasi:http/proxy`): the translated
//! request goes in as an `incoming-request`, and the response the guest sets, its body read to
//! the end, comes back as the contract's `response`, for the front end's shape and checks
//! (`crate::response`, which also moves its `set-cookie` headers to the cookies).

use std::pin::pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use lambda_wasm_routes::encoding;
use tokio::sync::oneshot;
use wasmtime::Store;
use wasmtime::component::{Component, Resource};
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostIncomingRequest, HostResponseOutparam};

use super::instances::{self, Instances};
use super::{CallStats, GuestFailure, Outcome};
use crate::bindings::{Request, Response, Source};
use crate::engine::EPOCH_TICK;
use crate::event::fields;
use crate::quotas::LAMBDA_LIMIT;
use crate::response::InvalidResponse;
use crate::sandbox::{HostState, LambdaContext};

/// What the guest sets as its response, through its `response-outparam`.
type SetResponse = Result<hyper::Response<HyperOutgoingBody>, ErrorCode>;

/// A `wasi:http/proxy` component, compiled and pre-linked against the host's capabilities.
#[derive(Clone)]
pub struct HttpComponent {
    pre: ProxyPre<HostState>,
    instances: Instances,
}

impl HttpComponent {
    /// Links `component`, which exports `wasi:http/incoming-handler`, against the host's
    /// capabilities; an error names the import the host does not provide.
    pub(super) fn link(component: &Component, instances: Instances) -> anyhow::Result<Self> {
        let pre = ProxyPre::new(instances.link(component)?)?;
        Ok(Self { pre, instances })
    }

    /// Runs `request` on a new instance, as [`HandlerComponent::handle`] does: the same slots,
    /// limits and deadline. The answer is ready once the guest has set its response and
    /// finished its body; the guest is stopped there, whatever it would still do.
    ///
    /// [`HandlerComponent::handle`]: super::HandlerComponent::handle
    pub async fn handle(&self, request: &Request, invocation: LambdaContext) -> Outcome {
        let Some(_slot) = self.instances.slot(&invocation).await else {
            return Outcome {
                result: Err(GuestFailure::PoolFull),
                stats: CallStats::default(),
            };
        };
        let (store, budget) = self.instances.new_store(invocation);
        let mut stats = CallStats::default();
        let result = self.call(store, budget, request, &mut stats).await;
        Outcome { result, stats }
    }

    /// The guest's response, read within `budget`: the epoch stops guest code, and the timer
    /// also stops a guest blocked in a host call or a body that never ends.
    async fn call(
        &self,
        mut store: Store<HostState>,
        budget: Duration,
        request: &Request,
        stats: &mut CallStats,
    ) -> Result<Response, GuestFailure> {
        let mut deadline = pin!(tokio::time::sleep(budget + 2 * EPOCH_TICK));
        let (sender, set) = oneshot::channel();
        let (incoming, outparam) = {
            let mut http = store.data_mut().http();
            let incoming = http.new_incoming_request(Scheme::Https, to_hyper(request)?);
            let outparam = http.new_response_outparam(sender);
            (
                incoming.map_err(GuestFailure::from_wasmtime)?,
                outparam.map_err(GuestFailure::from_wasmtime)?,
            )
        };
        let mut response = pin!(read_response(set, request.context.source));
        let started = Instant::now();
        let early = {
            let mut guest = pin!(self.run(&mut store, incoming, outparam, stats));
            tokio::select! {
                biased;
                // The whole response, or why there is none: the guest is not waited for.
                read = &mut response => Some(read),
                ran = &mut guest => ran.err().map(Err),
                () = &mut deadline => Some(Err(GuestFailure::Deadline)),
            }
        };
        stats.run = started.elapsed().saturating_sub(stats.instantiate);
        instances::wrap_up(store.data(), stats);
        // Whatever the guest left in its store (a response it never set, a body it never
        // finished) is dropped with it, which ends the reads below.
        drop(store);
        match early {
            Some(result) => result,
            None => tokio::select! {
                read = response => read,
                () = deadline => Err(GuestFailure::Deadline),
            },
        }
    }

    /// Instantiates the component and calls its `handle`; `Ok` once the guest returns.
    async fn run(
        &self,
        store: &mut Store<HostState>,
        incoming: Resource<HostIncomingRequest>,
        outparam: Resource<HostResponseOutparam>,
        stats: &mut CallStats,
    ) -> Result<(), GuestFailure> {
        let started = Instant::now();
        let proxy = self
            .pre
            .instantiate_async(&mut *store)
            .await
            .map_err(GuestFailure::from_wasmtime)?;
        stats.instantiate = started.elapsed();
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut *store, incoming, outparam)
            .await
            .map_err(GuestFailure::from_wasmtime)
    }
}

/// The contract's request as the `hyper` request a `wasi:http` guest receives: scheme `https`,
/// the authority the client called (the front end's domain name, else the `host` header, the
/// last one as the event's single-value `headers` keep it), the path as received with the raw
/// query, the headers and the decoded body.
fn to_hyper(request: &Request) -> Result<hyper::Request<Full<Bytes>>, GuestFailure> {
    let authority = request
        .context
        .domain_name
        .as_deref()
        .or_else(|| fields::last_header(&request.headers, "host"));
    let mut path_and_query = encoding::encode_path(&request.raw_path);
    if !request.raw_query.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&request.raw_query);
    }
    let mut uri = http::Uri::builder().scheme("https");
    if let Some(authority) = authority {
        uri = uri.authority(authority);
    }
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(
            uri.path_and_query(path_and_query)
                .build()
                .map_err(bad_request)?,
        );
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(&request.body)))
        .map_err(bad_request)
}

fn bad_request(error: http::Error) -> GuestFailure {
    GuestFailure::Request(error.to_string())
}

/// The response the guest set, its body read to its end (at most Lambda's 6 MB: a larger body
/// could never be sent to `front_end`), as the contract's `response`.
async fn read_response(
    set: oneshot::Receiver<SetResponse>,
    front_end: Source,
) -> Result<Response, GuestFailure> {
    let response = match set.await {
        Ok(Ok(response)) => response,
        Ok(Err(code)) => {
            return Err(GuestFailure::Http(format!(
                "the guest set an error as its response: {code:?}"
            )));
        }
        Err(_) => {
            return Err(GuestFailure::Http(
                "the guest returned without setting its response".to_owned(),
            ));
        }
    };
    let (parts, mut body) = response.into_parts();
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| InvalidResponse::HeaderValue(name.as_str().to_owned()))?
            .to_owned();
        headers.push((name.as_str().to_owned(), value));
    }
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            GuestFailure::Http(format!("the guest's response body failed: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // Trailers: no front end forwards them.
        };
        let size = (bytes.len() + data.len()) as u64;
        if size > LAMBDA_LIMIT.bytes {
            return Err(InvalidResponse::TooLarge {
                front_end,
                size,
                exact: false,
                limit: LAMBDA_LIMIT,
            }
            .into());
        }
        bytes.extend_from_slice(&data);
    }
    Ok(Response {
        status: parts.status.as_u16(),
        headers,
        cookies: Vec::new(),
        body: bytes,
    })
}
