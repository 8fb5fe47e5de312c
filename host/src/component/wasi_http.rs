//! A standard `wasi:http` 0.2 incoming-handler component (`wasi:http/proxy`): the translated
//! request goes in as an `incoming-request`, and the response the guest sets comes back through
//! its `response-outparam` ([`outparam`](super::outparam)): whole, as the contract's `response`
//! for the front end's shape and checks (`crate::response`, which also moves its `set-cookie`
//! headers to the cookies), or streamed as the guest writes its body.

use bytes::Bytes;
use http_body_util::Full;
use lambda_wasm_routes::encoding;
use wasmtime::component::Component;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

use super::instances::Instances;
use super::outparam;
use super::{GuestFailure, Outcome, ResponseSink};
use crate::bindings::Request;
use crate::event::fields;
use crate::sandbox::{HostState, LambdaContext};

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

    /// Runs `request` on a new instance, as [`HandlerComponent::handle`] does (the same slots,
    /// limits and deadline), and gives `sink` the guest's response as the guest produces it; see
    /// [`GuestComponent::stream`](super::GuestComponent::stream). The response is complete once
    /// the guest has set it and finished its body; the guest is stopped there, whatever it would
    /// still do.
    ///
    /// [`HandlerComponent::handle`]: super::HandlerComponent::handle
    pub async fn stream(
        &self,
        request: &Request,
        invocation: LambdaContext,
        sink: &mut impl ResponseSink,
    ) -> Outcome<()> {
        outparam::answer(
            &self.instances,
            invocation,
            |store, sender| {
                let mut http = store.data_mut().http();
                let incoming = http.new_incoming_request(Scheme::Https, to_hyper(request)?);
                let outparam = http.new_response_outparam(sender);
                Ok((
                    incoming.map_err(GuestFailure::from_wasmtime)?,
                    outparam.map_err(GuestFailure::from_wasmtime)?,
                ))
            },
            async |store, (incoming, outparam), stats| {
                let proxy = outparam::timed(stats, self.pre.instantiate_async(&mut *store)).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut *store, incoming, outparam)
                    .await
                    .map_err(GuestFailure::from_wasmtime)
            },
            sink,
        )
        .await
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
