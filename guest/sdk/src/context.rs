//! What the front end and the Lambda service say about a request beyond HTTP itself.

/// The AWS front end that sent the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// API Gateway REST API, proxy integration (payload format 1.0).
    #[default]
    RestApi,
    /// API Gateway HTTP API (payload format 2.0).
    HttpApi,
    /// An Application Load Balancer with a Lambda target group.
    Alb,
    /// A Lambda Function URL.
    FunctionUrl,
}

impl Source {
    /// The front end's name as the WIT spells it: `rest-api`, `http-api`, `alb`, `function-url`.
    pub fn name(self) -> &'static str {
        match self {
            Source::RestApi => "rest-api",
            Source::HttpApi => "http-api",
            Source::Alb => "alb",
            Source::FunctionUrl => "function-url",
        }
    }
}

/// What the front end knows about the request: `Request::context`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Which front end sent the request.
    pub source: Source,
    /// API Gateway's (or the Function URL's) id for this request. ALB has none.
    pub request_id: Option<String>,
    /// The API stage, e.g. `prod`; `$default` on HTTP APIs and Function URLs.
    pub stage: Option<String>,
    /// The REST API resource (`/users/{userId}`) or the HTTP API route key
    /// (`GET /users/{userId}`, `$default`).
    pub route: Option<String>,
    /// The client's IP address.
    pub source_ip: Option<String>,
    /// The client's `User-Agent`.
    pub user_agent: Option<String>,
    /// The domain name the client called.
    pub domain_name: Option<String>,
    /// The stage variables of the API stage, in order.
    pub stage_variables: Vec<(String, String)>,
    /// The authorizer's claims or context, as the JSON text the front end sent.
    pub authorizer: Option<String>,
    /// When the front end received the request, in milliseconds since the Unix epoch.
    pub request_time_epoch_ms: Option<u64>,
}

impl Context {
    /// The value of a stage variable.
    pub fn stage_variable(&self, name: &str) -> Option<&str> {
        crate::request::last_value(&self.stage_variables, name, false)
    }
}

/// The Lambda invocation being served: `Request::invocation`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    /// The Lambda request id.
    pub request_id: String,
    /// The function's name.
    pub function_name: String,
    /// The function version being run, e.g. `$LATEST`.
    pub function_version: String,
    /// When Lambda stops the invocation, in milliseconds since the Unix epoch.
    pub deadline_epoch_ms: u64,
    /// The invocation's X-Ray trace header (`Root=1-...;Parent=...;Sampled=0`), also in the
    /// `_X_AMZN_TRACE_ID` environment variable; none outside Lambda.
    pub trace_id: Option<String>,
    /// The tenant the invocation is for, on a function in tenant isolation mode.
    pub tenant_id: Option<String>,
}
