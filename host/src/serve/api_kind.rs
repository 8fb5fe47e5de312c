//! The two API Gateway flavours `serve` emulates, and every fact that differs between them: the
//! default stage, the SAM types that declare routes and APIs, the route keys, the catch-all
//! routes, how CORS is answered, the front end whose request caps apply, and what an unmatched
//! request or a failed invocation gets.

use crate::bindings::Source;

/// Which API Gateway a local API is: a REST API, sending payload format 1.0 events (`--payload
/// v1`), or an HTTP API, sending 2.0 (`--payload v2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiKind {
    /// REST API, payload format 1.0 (SAM `Api` events).
    #[value(name = "v1")]
    Rest,
    /// HTTP API, payload format 2.0 (SAM `HttpApi` events).
    #[value(name = "v2")]
    Http,
}

/// The event format a route's function gets: payload format 1.0 (every REST API route, and the
/// HTTP API routes that ask for it) or 2.0 (HTTP API routes by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// Payload format 1.0.
    V1,
    /// Payload format 2.0.
    V2,
}

/// API Gateway's own answer, e.g. 403 `{"message":"Missing Authentication Token"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayError {
    /// The HTTP status.
    pub status: u16,
    /// The `message` of the JSON body.
    pub message: &'static str,
}

impl ApiKind {
    /// What the API is and sends, for a person: `REST API, payload format 1.0`.
    pub fn describe(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST API, payload format 1.0",
            ApiKind::Http => "HTTP API, payload format 2.0",
        }
    }

    /// The payload format its routes send unless they say otherwise.
    pub fn default_payload(self) -> PayloadFormat {
        match self {
            ApiKind::Rest => PayloadFormat::V1,
            ApiKind::Http => PayloadFormat::V2,
        }
    }

    /// Its name for a person: `REST API` or `HTTP API`.
    pub fn name(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST API",
            ApiKind::Http => "HTTP API",
        }
    }

    /// The stage events name when `--stage` is not given: SAM calls the implicit REST API's
    /// stage `Prod`; HTTP APIs have `$default`.
    pub fn default_stage(self) -> &'static str {
        match self {
            ApiKind::Rest => "Prod",
            ApiKind::Http => "$default",
        }
    }

    /// The SAM event type whose `Path` and `Method` declare this API's routes.
    pub fn sam_event_type(self) -> &'static str {
        match self {
            ApiKind::Rest => "Api",
            ApiKind::Http => "HttpApi",
        }
    }

    /// The SAM resource type of an API declared in a template.
    pub fn sam_api_resource_type(self) -> &'static str {
        match self {
            ApiKind::Rest => "AWS::Serverless::Api",
            ApiKind::Http => "AWS::Serverless::HttpApi",
        }
    }

    /// The property of an event that names the API resource it belongs to.
    pub fn sam_api_id_property(self) -> &'static str {
        match self {
            ApiKind::Rest => "RestApiId",
            ApiKind::Http => "ApiId",
        }
    }

    /// The status of API Gateway's answer to a CORS preflight: SAM's mock `OPTIONS` method on
    /// a REST API answers 200, an HTTP API 204.
    pub fn preflight_status(self) -> u16 {
        match self {
            ApiKind::Rest => 200,
            ApiKind::Http => 204,
        }
    }

    /// Whether API Gateway adds CORS headers to the function's own responses: an HTTP API does
    /// (replacing any the function set); a REST API leaves them to the function.
    pub fn cors_on_responses(self) -> bool {
        self == ApiKind::Http
    }

    /// What the event's `resource` (REST) or `routeKey` (HTTP) says for a route, `method`
    /// being `None` for `ANY`.
    pub fn route_key(self, method: Option<&str>, path: &str) -> String {
        match self {
            ApiKind::Rest => path.to_owned(),
            ApiKind::Http => format!("{} {path}", method.unwrap_or("ANY")),
        }
    }

    /// The routes that send every request to the function when no template names any: `/`
    /// and `/{proxy+}` on a REST API; on an HTTP API, its `$default` route (`None`).
    pub fn catch_all_paths(self) -> &'static [Option<&'static str>] {
        match self {
            ApiKind::Rest => &[Some("/"), Some("/{proxy+}")],
            ApiKind::Http => &[None],
        }
    }

    /// The front end this API is, for the request caps it applies (`crate::quotas`).
    pub fn front_end(self) -> Source {
        match self {
            ApiKind::Rest => Source::RestApi,
            ApiKind::Http => Source::HttpApi,
        }
    }

    /// What API Gateway answers a request that no route matches.
    pub fn unmatched(self) -> GatewayError {
        match self {
            ApiKind::Rest => GatewayError {
                status: 403,
                message: "Missing Authentication Token",
            },
            ApiKind::Http => GatewayError {
                status: 404,
                message: "Not Found",
            },
        }
    }

    /// What API Gateway answers when the Lambda invocation itself fails: a REST API's 502
    /// `Internal server error`, an HTTP API's 500 `Internal Server Error`.
    pub fn invocation_failed(self) -> GatewayError {
        match self {
            ApiKind::Rest => GatewayError {
                status: 502,
                message: "Internal server error",
            },
            ApiKind::Http => GatewayError {
                status: 500,
                message: "Internal Server Error",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flavour_names_its_stage_events_and_route_keys() {
        assert_eq!(ApiKind::Rest.default_stage(), "Prod");
        assert_eq!(ApiKind::Http.default_stage(), "$default");
        assert_eq!(ApiKind::Rest.sam_event_type(), "Api");
        assert_eq!(ApiKind::Http.sam_event_type(), "HttpApi");
        assert_eq!(ApiKind::Rest.route_key(Some("GET"), "/users"), "/users");
        assert_eq!(ApiKind::Http.route_key(Some("GET"), "/users"), "GET /users");
        assert_eq!(ApiKind::Http.route_key(None, "/users"), "ANY /users");
    }

    #[test]
    fn unmatched_requests_get_each_flavours_own_answer() {
        assert_eq!(ApiKind::Rest.unmatched().status, 403);
        assert_eq!(
            ApiKind::Rest.unmatched().message,
            "Missing Authentication Token"
        );
        assert_eq!(ApiKind::Http.unmatched().status, 404);
    }

    #[test]
    fn a_failed_invocation_gets_each_flavours_own_answer() {
        assert_eq!(
            ApiKind::Rest.invocation_failed(),
            GatewayError {
                status: 502,
                message: "Internal server error"
            }
        );
        assert_eq!(
            ApiKind::Http.invocation_failed(),
            GatewayError {
                status: 500,
                message: "Internal Server Error"
            }
        );
    }
}
