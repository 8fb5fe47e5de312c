//! A guest that answers through a `wasi:http` `response-outparam`: a `wasi:http/proxy`
//! component, or one of the contract's `streaming-handler` world. Its head is known once it sets
//! the response; its body arrives as it writes it, while it runs on. Both go to a
//! [`ResponseSink`]: [`Collected`] keeps the whole response, for a front end that takes it at
//! once; the pipeline's sink forwards each part as it comes.

use std::pin::pin;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use tokio::sync::oneshot;
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::instances::{self, Instances};
use super::{CallStats, GuestFailure, Outcome, ResponseSink};
use crate::bindings::{Response, Source};
use crate::engine::EPOCH_TICK;
use crate::quotas::LAMBDA_LIMIT;
use crate::response::InvalidResponse;
use crate::sandbox::{HostState, LambdaContext};

/// What the guest sets as its response, through its `response-outparam`.
pub(super) type SetResponse = Result<hyper::Response<HyperOutgoingBody>, ErrorCode>;

/// Gives the guest's response to `sink` as the guest produces it, on a new instance of its own:
/// `prepare` puts the call's resources in the store (it gets the sender of the outparam), and
/// `run` instantiates the component and calls it with them, `Ok` once the guest returns. The
/// answer is complete once the guest has set its response and finished its body; the guest is
/// stopped there, whatever it would still do. The same slots, limits and deadline as every
/// world: the epoch stops guest code, and the timer also stops a guest blocked in a host call,
/// a body that never ends, or a sink that waits too long.
pub(super) async fn answer<R>(
    instances: &Instances,
    invocation: LambdaContext,
    prepare: impl FnOnce(&mut Store<HostState>, oneshot::Sender<SetResponse>) -> Result<R, GuestFailure>,
    run: impl AsyncFnOnce(&mut Store<HostState>, R, &mut CallStats) -> Result<(), GuestFailure>,
    sink: &mut impl ResponseSink,
) -> Outcome<()> {
    let mut stats = CallStats::default();
    let Some(_slot) = instances.slot(&invocation).await else {
        return Outcome {
            result: Err(GuestFailure::PoolFull),
            stats,
        };
    };
    let (mut store, budget) = instances.new_store(invocation);
    let (sender, set) = oneshot::channel();
    let resources = match prepare(&mut store, sender) {
        Ok(resources) => resources,
        Err(failure) => {
            return Outcome {
                result: Err(failure),
                stats,
            };
        }
    };
    let mut deadline = pin!(tokio::time::sleep(budget + 2 * EPOCH_TICK));
    let mut response = pin!(forward(set, sink));
    let started = Instant::now();
    let early = {
        let mut guest = pin!(run(&mut store, resources, &mut stats));
        tokio::select! {
            biased;
            // The whole response, or why there is none: the guest is not waited for.
            forwarded = &mut response => Some(forwarded),
            ran = &mut guest => ran.err().map(Err),
            () = &mut deadline => Some(Err(GuestFailure::Deadline)),
        }
    };
    stats.run = started.elapsed().saturating_sub(stats.instantiate);
    instances::wrap_up(store.data(), &mut stats);
    // Whatever the guest left in its store (a response it never set, a body it never
    // finished) is dropped with it, which ends the reads below.
    drop(store);
    let result = match early {
        Some(result) => result,
        None => tokio::select! {
            forwarded = response => forwarded,
            () = deadline => Err(GuestFailure::Deadline),
        },
    };
    Outcome { result, stats }
}

/// The whole response, for a front end that cannot stream: what `stream` gives a [`Collected`]
/// sink for `front_end`.
pub(super) async fn collect(
    front_end: Source,
    stream: impl AsyncFnOnce(&mut Collected) -> Outcome<()>,
) -> Outcome {
    let mut whole = Collected::new(front_end);
    let Outcome { result, stats } = stream(&mut whole).await;
    Outcome {
        result: result.and_then(|()| whole.into_response()),
        stats,
    }
}

/// Instantiates a guest with `instantiate`, noting in `stats` how long it took.
pub(super) async fn timed<T>(
    stats: &mut CallStats,
    instantiate: impl Future<Output = wasmtime::Result<T>>,
) -> Result<T, GuestFailure> {
    let started = Instant::now();
    let instance = instantiate.await.map_err(GuestFailure::from_wasmtime)?;
    stats.instantiate = started.elapsed();
    Ok(instance)
}

/// The response the guest set, to `sink`: its head, then each part of its body as it comes.
async fn forward(
    set: oneshot::Receiver<SetResponse>,
    sink: &mut impl ResponseSink,
) -> Result<(), GuestFailure> {
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
    sink.head(head(&parts)?)?;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            GuestFailure::Http(format!("the guest's response body failed: {error}"))
        })?;
        // Trailers: no front end forwards them. An empty write is no part at all.
        match frame.into_data() {
            Ok(data) if !data.is_empty() => sink.body(data).await?,
            _ => {}
        }
    }
    Ok(())
}

/// The contract's response for the guest's head: its status and headers, no body yet. Its
/// `set-cookie` headers stay headers; `crate::response` moves them to the cookies.
fn head(parts: &http::response::Parts) -> Result<Response, GuestFailure> {
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| InvalidResponse::HeaderValue(name.as_str().to_owned()))?
            .to_owned();
        headers.push((name.as_str().to_owned(), value));
    }
    Ok(Response {
        status: parts.status.as_u16(),
        headers,
        cookies: Vec::new(),
        body: Vec::new(),
    })
}

/// The whole response, for a front end that takes it at once: at most Lambda's 6 MB of body,
/// since a larger one could never be sent to `front_end`.
pub(super) struct Collected {
    front_end: Source,
    head: Option<Response>,
    body: Vec<u8>,
}

impl Collected {
    fn new(front_end: Source) -> Self {
        Self {
            front_end,
            head: None,
            body: Vec::new(),
        }
    }

    /// The response, once [`answer`] has given it.
    fn into_response(self) -> Result<Response, GuestFailure> {
        let mut response = self.head.ok_or_else(|| {
            GuestFailure::Http("the guest returned without setting its response".to_owned())
        })?;
        response.body = self.body;
        Ok(response)
    }
}

impl ResponseSink for Collected {
    fn head(&mut self, head: Response) -> Result<(), GuestFailure> {
        self.head = Some(head);
        Ok(())
    }

    async fn body(&mut self, part: Bytes) -> Result<(), GuestFailure> {
        let size = (self.body.len() + part.len()) as u64;
        if size > LAMBDA_LIMIT.bytes {
            return Err(InvalidResponse::TooLarge {
                front_end: self.front_end,
                size,
                exact: false,
                limit: LAMBDA_LIMIT,
            }
            .into());
        }
        self.body.extend_from_slice(&part);
        Ok(())
    }
}
