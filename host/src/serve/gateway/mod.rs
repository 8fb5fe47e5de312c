//! The local API Gateway in front of the component: it routes an HTTP request, sends the
//! function the event API Gateway would send, and turns the proxy response back into HTTP, or
//! on a route that streams, sends the function's response on as it comes.

mod request;
mod response;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Limited};
use hyper::body::{Bytes, Incoming as IncomingBody};

pub use self::request::{Arrival, HttpRequest, event};
pub use self::response::{
    HttpBody, HttpResponse, ServeBody, gateway_error, http_response, streamed_response,
};
use super::api_kind::{ApiKind, GatewayError};
use super::cors::Cors;
use super::reload::LiveComponent;
use super::routes::RouteTable;
use crate::pipeline::{self, Answer};
use crate::quotas::{MAX_REQUEST_BODY, Oversized, RequestLimits, Url};
use crate::wall_clock;

/// What API Gateway answers a request body over [`MAX_REQUEST_BODY`].
const REQUEST_TOO_LONG: GatewayError = GatewayError {
    status: 413,
    message: "Request Too Long",
};

/// What the gateway answers a request whose headers or URL are over their caps (the same caps
/// as Lambda mode, [`RequestLimits`]).
fn too_large(part: Oversized) -> GatewayError {
    match part {
        Oversized::Headers => GatewayError {
            status: 431,
            message: "Request Header Fields Too Large",
        },
        Oversized::Url => GatewayError {
            status: 414,
            message: "Request-URI Too Long",
        },
    }
}

/// One local API: its routes, its payload version and stage, and the component behind it.
pub struct LocalApi {
    live: Arc<LiveComponent>,
    routes: RouteTable,
    payload: ApiKind,
    stage: String,
    timeout: Duration,
}

impl LocalApi {
    /// An API on `routes` sending `payload` events for `stage` to the live component, each
    /// invocation with `timeout` to run.
    pub(super) fn new(
        live: Arc<LiveComponent>,
        routes: RouteTable,
        payload: ApiKind,
        stage: String,
        timeout: Duration,
    ) -> Self {
        Self {
            live,
            routes,
            payload,
            stage,
            timeout,
        }
    }

    /// Answers one HTTP request from `client`. Each request is logged once: by the invocation's
    /// summary line when the function ran, else here.
    pub async fn answer(
        &self,
        request: hyper::Request<IncomingBody>,
        client: SocketAddr,
    ) -> hyper::Response<ServeBody> {
        let request_id = uuid::Uuid::new_v4().to_string();
        self.respond(request, client, &request_id)
            .await
            .into_hyper(&request_id)
    }

    /// Logs a request API Gateway answers itself, without invoking the function.
    fn refuse(&self, request: &http::request::Parts, error: GatewayError) -> HttpResponse {
        tracing::info!(
            method = %request.method,
            path = %request.uri.path(),
            status = error.status,
            "answered by the gateway: {}",
            error.message
        );
        gateway_error(error)
    }

    /// Answers a CORS preflight as the API's CORS settings say, without invoking the function.
    fn preflight(&self, request: &HttpRequest, cors: &Cors) -> HttpResponse {
        let status = self.payload.preflight_status();
        tracing::info!(
            method = %request.method,
            path = %request.path,
            status,
            "answered by the gateway: CORS preflight"
        );
        HttpResponse {
            status,
            headers: cors.preflight_headers(request.header("origin")),
            body: HttpBody::Whole(Vec::new()),
        }
    }

    async fn respond(
        &self,
        request: hyper::Request<IncomingBody>,
        client: SocketAddr,
        request_id: &str,
    ) -> HttpResponse {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(body) => body.to_bytes().to_vec(),
            Err(_) => return self.refuse(&parts, REQUEST_TOO_LONG),
        };
        let request = HttpRequest::from_parts(&parts, body, client.ip());
        let url = Url {
            path: &request.path,
            raw_query: &request.raw_query,
            path_parameters: &[],
        };
        if let Err(part) =
            RequestLimits::of(self.payload.front_end()).check(&request.headers, &[], url)
        {
            return self.refuse(&parts, too_large(part));
        }
        // As `sam local start-api` does, an API with CORS answers every OPTIONS request itself,
        // even on a path with an ANY route.
        if request.method == "OPTIONS"
            && let Some(cors) = self
                .routes
                .preflight(&request.path)
                .and_then(|api| api.cors.as_ref())
        {
            return self.preflight(&request, cors);
        }
        let Some(matched) = self.routes.find(&request.method, &request.path) else {
            return self.refuse(&parts, self.payload.unmatched());
        };
        let arrival = Arrival {
            request_id,
            stage: &self.stage,
            domain_name: request.domain_name(),
            epoch_ms: wall_clock::now_epoch_ms(),
        };
        let event = event(self.payload, &request, &matched, &arrival);
        let event = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
        let handler = self.live.current();
        let invocation = pipeline::local_invocation(self.timeout);
        let api = &matched.route.api;
        let decode_base64 = api.binary.decode_response(request.header("accept"));
        let mode = matched.route.invoke_mode;
        let mut response = match pipeline::answer_event(&handler, event, invocation, mode).await {
            Ok(Answer::Buffered(response)) => http_response(response, decode_base64)
                .unwrap_or_else(|err| {
                    tracing::error!("the proxy response has an invalid base64 body: {err}");
                    gateway_error(self.payload.invocation_failed())
                }),
            Ok(Answer::Streamed(streamed)) => streamed_response(streamed),
            Err(_) => gateway_error(self.payload.invocation_failed()),
        };
        if let (true, Some(cors)) = (self.payload.cors_on_responses(), &api.cors) {
            response.set_cors_headers(cors.response_headers(request.header("origin")));
        }
        response
    }
}
