//! Components: read and compiled once, linked against the [`sandbox`](crate::sandbox), and
//! instantiated fresh for every invocation, each instance inside its own limits and deadline.
//! One file per component world the host runs: the contract's `handler`, `event-handler` and
//! `streaming-handler` worlds, and the standard `wasi:http` incoming handler ([`kind`] tells them
//! apart at load). A response is had whole ([`GuestComponent::handle`]) or streamed as the guest
//! writes it ([`GuestComponent::stream`], into a [`ResponseSink`]).

#[cfg(feature = "bench")]
mod bench;
mod event_handler;
mod failure;
mod file;
mod handler;
mod instances;
mod kind;
mod outparam;
mod streaming_handler;
mod wasi_http;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use tokio::sync::Semaphore;
use wasmtime::Engine;

#[cfg(feature = "bench")]
pub use self::bench::ReusableInstance;
pub use self::event_handler::EventComponent;
pub use self::failure::GuestFailure;
pub use self::handler::HandlerComponent;
use self::instances::Instances;
use self::kind::Kind;
pub use self::streaming_handler::StreamingComponent;
pub use self::wasi_http::HttpComponent;
use crate::bindings::{Request, Response};
use crate::engine::{self, Concurrency};
use crate::event::ResponseFormat;
use crate::sandbox::GuestConfig;
use crate::sandbox::LambdaContext;

/// What one call cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct CallStats {
    /// Creating the instance.
    pub instantiate: Duration,
    /// The guest's `handle`.
    pub run: Duration,
    /// The most linear memory the instance had, all its memories together, in bytes.
    pub memory_peak: usize,
}

/// The result of one call, and what it cost: the guest's response ([`GuestComponent::handle`]),
/// or whether it streamed it to the end ([`GuestComponent::stream`]).
#[derive(Debug)]
pub struct Outcome<T = Response> {
    /// The guest's response, or why there is none.
    pub result: Result<T, GuestFailure>,
    /// What the call cost.
    pub stats: CallStats,
}

/// Where a streamed response goes while the guest is still running: its head once the guest
/// has set it, then its body a part at a time, each part as the guest wrote it. An `Err` from
/// either stops the guest and is the call's result.
pub trait ResponseSink: Send {
    /// The response's status, headers and cookies (its `body` is empty), before any of its
    /// body; called at most once.
    fn head(&mut self, head: Response) -> Result<(), GuestFailure>;

    /// The next part of the body, never empty. It waits while whatever reads the response is
    /// behind, and the guest with it: back-pressure, rather than buffering in the host.
    fn body(&mut self, part: Bytes) -> impl Future<Output = Result<(), GuestFailure>> + Send;
}

/// Loads components: one engine, one guest configuration and one set of instance slots for the
/// whole process.
#[derive(Clone)]
pub struct Loader {
    engine: Engine,
    config: Arc<GuestConfig>,
    slots: Arc<Semaphore>,
}

impl Loader {
    /// Builds the engine for guests within `config`.
    pub fn new(config: GuestConfig, concurrency: Concurrency) -> anyhow::Result<Self> {
        Ok(Self {
            engine: engine::new_engine(config.memory_bytes, concurrency)?,
            config: Arc::new(config),
            // Every component this loader loads shares the engine's pool, so they share slots.
            slots: Arc::new(Semaphore::new(concurrency.instances() as usize)),
        })
    }

    /// A loader on the same engine and instance slots whose components' guests get `config`
    /// (a function's own settings, `serve --template`). Its memory cap must be within the
    /// engine's, which [`Loader::new`] sized for its own `config`.
    pub fn with_config(&self, config: GuestConfig) -> Self {
        Self {
            engine: self.engine.clone(),
            config: Arc::new(config),
            slots: self.slots.clone(),
        }
    }

    /// Compiles the component at `path` (or loads it precompiled, from a `.cwasm`), tells
    /// from its exports which world it is a component of, and links it against the host's
    /// capabilities. A component of a world the host does not run, or importing what the host
    /// does not provide, is an error that says so. At most as many invocations as the loader
    /// has instance slots run at once, whatever components they run.
    pub fn load(&self, path: &Path) -> anyhow::Result<GuestComponent> {
        let component = file::read(&self.engine, path)?;
        let instances = Instances::new(&self.engine, self.config.clone(), self.slots.clone());
        let kind = Kind::of(&self.engine, &component)
            .with_context(|| format!("{} cannot be run", path.display()))?;
        let linked = match kind {
            Kind::Handler => {
                HandlerComponent::link(&component, instances).map(GuestComponent::Handler)
            }
            Kind::Streaming => {
                StreamingComponent::link(&component, instances).map(GuestComponent::Streaming)
            }
            Kind::Event => EventComponent::link(&component, instances).map(GuestComponent::Event),
            Kind::WasiHttp => {
                HttpComponent::link(&component, instances).map(GuestComponent::WasiHttp)
            }
        };
        linked.with_context(|| format!("{} is {kind}, but does not link", path.display()))
    }
}

/// A loaded component, of one of the worlds the host runs.
#[derive(Clone)]
pub enum GuestComponent {
    /// The contract's `handler` world: the typed request in, the typed response out.
    Handler(HandlerComponent),
    /// The contract's `event-handler` world: the event JSON in, the function's result JSON out.
    Event(EventComponent),
    /// The contract's `streaming-handler` world: the typed request in, a `wasi:http` response
    /// out whose body is written as it goes.
    Streaming(StreamingComponent),
    /// The standard `wasi:http` incoming handler (WASI 0.2 `wasi:http/proxy`).
    WasiHttp(HttpComponent),
}

/// One event, as each world takes it.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    /// The event JSON, as the front end sent it.
    pub json: &'a [u8],
    /// The request the event carries.
    pub request: &'a Request,
    /// The response shape the front end expects.
    pub format: ResponseFormat,
}

impl std::fmt::Display for GuestComponent {
    /// The world it is a component of, for a person: "a `handler` component".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Self::Handler(_) => Kind::Handler,
            Self::Event(_) => Kind::Event,
            Self::Streaming(_) => Kind::Streaming,
            Self::WasiHttp(_) => Kind::WasiHttp,
        };
        kind.fmt(f)
    }
}

impl GuestComponent {
    /// Runs a Lambda authorizer's `event` on a fresh instance and gives the function's result
    /// JSON as it returned it. Only an `event-handler` component returns one: the other worlds
    /// answer requests.
    pub async fn authorize(
        &self,
        event: &[u8],
        invocation: LambdaContext,
    ) -> (Result<String, GuestFailure>, CallStats) {
        match self {
            Self::Event(component) => component.result(event, invocation).await,
            Self::Handler(_) => (
                Err(GuestFailure::NoResult("a `handler`")),
                CallStats::default(),
            ),
            Self::Streaming(_) => (
                Err(GuestFailure::NoResult("a `streaming-handler`")),
                CallStats::default(),
            ),
            Self::WasiHttp(_) => (
                Err(GuestFailure::NoResult("a `wasi:http`")),
                CallStats::default(),
            ),
        }
    }

    /// Runs `event` on a fresh instance, within the invocation's deadline and the configured
    /// limits; see [`HandlerComponent::handle`]. A `streaming-handler` or `wasi:http` guest's body
    /// is read to its end, at most Lambda's 6 MB: a larger one could never be sent whole.
    pub async fn handle(&self, event: Event<'_>, invocation: LambdaContext) -> Outcome {
        let (request, front_end) = (event.request, event.request.context.source);
        match self {
            Self::Handler(component) => component.handle(request, invocation).await,
            Self::Event(component) => component.handle(event.json, event.format, invocation).await,
            Self::Streaming(component) => {
                outparam::collect(front_end, async |whole| {
                    component.stream(request, invocation, whole).await
                })
                .await
            }
            Self::WasiHttp(component) => {
                outparam::collect(front_end, async |whole| {
                    component.stream(request, invocation, whole).await
                })
                .await
            }
        }
    }

    /// Runs `event` as [`handle`](Self::handle) does, but gives `sink` the response as the guest
    /// produces it: a `streaming-handler` or `wasi:http` guest's head as soon as it sets it and
    /// each part of its body as it writes it, while it runs on; a `handler` or `event-handler`
    /// guest's whole response at once, when it returns it. The deadline covers the whole
    /// stream; a guest still writing at it is stopped.
    pub async fn stream(
        &self,
        event: Event<'_>,
        invocation: LambdaContext,
        sink: &mut impl ResponseSink,
    ) -> Outcome<()> {
        match self {
            Self::Streaming(component) => component.stream(event.request, invocation, sink).await,
            Self::WasiHttp(component) => component.stream(event.request, invocation, sink).await,
            Self::Handler(_) | Self::Event(_) => {
                let Outcome { result, stats } = self.handle(event, invocation).await;
                let result = match result {
                    Ok(response) => whole(response, sink).await,
                    Err(failure) => Err(failure),
                };
                Outcome { result, stats }
            }
        }
    }
}

/// A response had whole, given to `sink` as a head and one part.
async fn whole(mut response: Response, sink: &mut impl ResponseSink) -> Result<(), GuestFailure> {
    let body = std::mem::take(&mut response.body);
    sink.head(response)?;
    if body.is_empty() {
        return Ok(());
    }
    sink.body(Bytes::from(body)).await
}
