//! The local API Gateway in front of the functions: it routes an HTTP request, runs the route's
//! authorizer, then its request validator, sends the route's function the event API Gateway
//! would send, and turns the proxy response back into HTTP, or on a route that streams, sends the
//! function's response on as it comes.

mod request;
mod response;
pub mod validation;

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt as _, Limited};
use hyper::body::{Bytes, Incoming as IncomingBody};

pub use self::request::{Arrival, HttpRequest, event};
pub use self::response::{
    HttpBody, HttpResponse, ServeBody, gateway_error, http_response, streamed_response,
};
use self::validation::Validator;
use super::api_kind::{ApiKind, GatewayError, PayloadFormat};
use super::auth::{AuthRequest, Outcome, RouteGuard};
use super::cors::Cors;
use super::functions::LocalFunction;
use super::routes::RouteTable;
use crate::pipeline::{self, Answer, Delivery, InvokeMode};
use crate::quotas::{MAX_REQUEST_BODY, Oversized, RequestLimits, Url};
use crate::serve::template::intrinsics::LOCAL_ACCOUNT_ID;
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

/// What a route invokes: its function, in its event format, behind its authorizer, and how the
/// function's response reaches the client.
#[derive(Debug)]
pub struct Target {
    /// The function.
    pub function: Arc<LocalFunction>,
    /// The event format the function gets.
    pub payload: PayloadFormat,
    /// The authorizer the route runs behind, if any.
    pub guard: Option<RouteGuard>,
    /// The request validator that checks its requests (REST APIs), if any.
    pub validator: Option<Validator>,
    /// Whole, or streamed as the function writes it (a REST integration in `STREAM` mode).
    pub invoke_mode: InvokeMode,
}

/// One local API: its flavour, stage and routes, each with what it invokes.
pub struct LocalApi {
    routes: RouteTable<Arc<Target>>,
    kind: ApiKind,
    stage: String,
    /// The region method ARNs name.
    region: String,
}

impl LocalApi {
    /// An API of `kind` on `routes`, whose events name `stage` and whose method ARNs name
    /// `region`.
    pub(super) fn new(
        routes: RouteTable<Arc<Target>>,
        kind: ApiKind,
        stage: String,
        region: String,
    ) -> Self {
        Self {
            routes,
            kind,
            stage,
            region,
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
        let status = self.kind.preflight_status();
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
            RequestLimits::of(self.kind.front_end()).check(&request.headers, &[], url)
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
            return self.refuse(&parts, self.kind.unmatched());
        };
        let arrival = Arrival {
            request_id,
            stage: &self.stage,
            domain_name: request.domain_name(),
            epoch_ms: wall_clock::now_epoch_ms(),
        };
        let target = matched.route.target.clone();
        let events = |payload| event(self.kind, payload, &request, &matched, &arrival);
        let mut event = events(target.payload);
        if let Some(guard) = &target.guard {
            let method_arn = self.method_arn(&request);
            let asked = AuthRequest {
                kind: self.kind,
                payload: target.payload,
                request: &request,
                method_arn: &method_arn,
                events: &events,
            };
            match guard.authorize(&asked).await {
                Outcome::Allowed(authorizer) => {
                    if !authorizer.is_null() {
                        event["requestContext"]["authorizer"] = authorizer;
                    }
                }
                Outcome::Refused(answer) => {
                    tracing::info!(
                        method = %request.method,
                        path = %request.path,
                        status = answer.status,
                        "answered by the gateway: the authorizer refused the request"
                    );
                    return self.with_cors(answer, &request, &matched.route.api);
                }
            }
        }
        if let Some(validator) = &target.validator
            && let Err(invalid) = validator.check(&request, &matched.path_parameters)
        {
            tracing::info!(
                method = %request.method,
                path = %request.path,
                status = 400,
                "answered by the gateway: {}",
                invalid.detail
            );
            let answer = response::bad_request(&invalid.message);
            return self.with_cors(answer, &request, &matched.route.api);
        }
        let event = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
        let function = &target.function;
        let handler = function.component();
        let api = &matched.route.api;
        let decode_base64 = api.binary.decode_response(request.header("accept"));
        let invocation = function.invocation();
        let response = match pipeline::answer_event(&handler, event, invocation, target.invoke_mode)
            .await
        {
            Ok(Delivery::Whole(Answer::Proxy(response))) => http_response(response, decode_base64)
                .unwrap_or_else(|err| {
                    tracing::error!("the proxy response has an invalid base64 body: {err}");
                    gateway_error(self.kind.invocation_failed())
                }),
            Ok(Delivery::Streamed(streamed)) => streamed_response(streamed),
            Ok(Delivery::Whole(Answer::Authorizer(_))) | Err(_) => {
                gateway_error(self.kind.invocation_failed())
            }
        };
        self.with_cors(response, &request, api)
    }

    /// `response` with an HTTP API's CORS headers, as it adds them to every answer.
    fn with_cors(
        &self,
        mut response: HttpResponse,
        request: &HttpRequest,
        api: &super::template::ApiSettings,
    ) -> HttpResponse {
        if let (true, Some(cors)) = (self.kind.cors_on_responses(), &api.cors) {
            response.set_cors_headers(cors.response_headers(request.header("origin")));
        }
        response
    }

    /// The ARN API Gateway asks an authorizer about: the request's method and path on this
    /// API's stage.
    fn method_arn(&self, request: &HttpRequest) -> String {
        format!(
            "arn:aws:execute-api:{}:{LOCAL_ACCOUNT_ID}:{}/{}/{}{}",
            self.region,
            request::API_ID,
            self.stage,
            request.method,
            request.path
        )
    }
}
