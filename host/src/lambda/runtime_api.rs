//! The Lambda Runtime API's HTTP exchanges: the next invocation, its response (whole, or
//! streamed) or its error, and an init error.
//!
//! `lambda_runtime::run` is not used for the loop: it parses the caller's client context and
//! Cognito identity headers before any handler or layer runs, and a malformed one (a direct
//! invoke can send anything) stops the runtime; it also deserializes the payload itself, so an
//! event that is not JSON would fail with its own error type. The host needs neither header, and
//! reads the payload as raw bytes.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE, TRAILER, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use http_body::Frame;
use http_body_util::BodyExt as _;
use lambda_runtime::Diagnostic;
use lambda_runtime_api_client::PooledClient;
use lambda_runtime_api_client::body::Body;

use crate::pipeline::{StreamError, StreamedBody, StreamedResponse};
use crate::response;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const DEADLINE_MS: &str = "lambda-runtime-deadline-ms";
const INVOKED_FUNCTION_ARN: &str = "lambda-runtime-invoked-function-arn";
/// The X-Ray trace header of the invocation, `Root=...;Parent=...;Sampled=...`.
const TRACE_ID: &str = "lambda-runtime-trace-id";
/// The tenant of the invocation, on a function in tenant isolation mode.
const TENANT_ID: &str = "lambda-runtime-aws-tenant-id";
/// Echoed on `/response` and `/error` so that the Runtime API can refuse a stale answer.
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const ERROR_TYPE: &str = "lambda-runtime-function-error-type";
/// A streamed response's error, base64, in its trailers beside [`ERROR_TYPE`].
const ERROR_BODY: &str = "lambda-runtime-function-error-body";
/// A response posted as a stream rather than whole.
const RESPONSE_MODE: &str = "lambda-runtime-function-response-mode";
/// The content type of a streamed HTTP response: the metadata prelude, eight NUL bytes, the
/// body.
const HTTP_INTEGRATION_RESPONSE: &str = "application/vnd.awslambda.http-integration-response";

/// One invocation as the Runtime API hands it over.
#[derive(Debug)]
pub struct Invocation {
    /// Lambda's request id, the path of the answer.
    pub request_id: String,
    /// The deadline in epoch milliseconds; 0 when the header is missing or not a number.
    pub deadline_epoch_ms: u64,
    /// The ARN the caller invoked; empty when the header is missing.
    pub invoked_function_arn: String,
    /// The X-Ray trace header, when Lambda sent one that can be passed on as a header value.
    pub trace_id: Option<String>,
    /// The tenant id, when Lambda sent one (tenant isolation mode).
    pub tenant_id: Option<String>,
    /// The event, exactly as sent.
    pub body: bytes::Bytes,
    invocation_id: Option<HeaderValue>,
}

/// A client of the Runtime API at `AWS_LAMBDA_RUNTIME_API`.
pub struct RuntimeApi {
    client: PooledClient,
}

impl RuntimeApi {
    /// A client of the Runtime API at `endpoint`, keeping a connection open for each of the
    /// `pollers` that call it at once.
    pub fn new(endpoint: &Uri, pollers: usize) -> Self {
        Self {
            client: PooledClient::builder()
                .with_endpoint(endpoint.clone())
                .with_pool_size(pollers)
                .build(),
        }
    }

    /// Waits for the next invocation. `Ok(None)` is an invocation that cannot be answered (no
    /// usable request id): it is logged and skipped. `Err` means the Runtime API is gone.
    pub async fn next(&self) -> anyhow::Result<Option<Invocation>> {
        let request = lambda_runtime_api_client::build_request()
            .method(Method::GET)
            .uri(NEXT)
            .body(Body::empty())?;
        let response = self
            .client
            .call(request)
            .await
            .map_err(|err| anyhow::anyhow!(err))
            .context("polling the Runtime API for the next invocation")?;
        let (parts, body) = response.into_parts();
        if !parts.status.is_success() {
            bail!("the Runtime API answered {} to /next", parts.status);
        }
        let body = body
            .collect()
            .await
            .context("reading the invocation from the Runtime API")?
            .to_bytes();
        Ok(invocation(&parts.headers, body))
    }

    /// Posts the function's response for `invocation`.
    pub async fn respond(&self, invocation: &Invocation, response: Vec<u8>) -> anyhow::Result<()> {
        let path = format!(
            "/2018-06-01/runtime/invocation/{}/response",
            invocation.request_id
        );
        self.post(&path, None, invocation, response).await
    }

    /// Streams the response for `invocation` as Lambda's custom runtimes do ("Implementing
    /// response streaming in a custom runtime", Lambda developer guide; `lambda_runtime`'s
    /// `EventCompletionRequest`): `Lambda-Runtime-Function-Response-Mode: streaming`, chunked
    /// transfer, each part of the body a chunk as it comes, after the prelude and its eight NUL
    /// bytes (`application/vnd.awslambda.http-integration-response`). A stream that ends early
    /// says why in the trailers it declares up front, `Lambda-Runtime-Function-Error-Type` and
    /// `Lambda-Runtime-Function-Error-Body` (base64). The connection is closed after it, as the
    /// guide asks.
    pub async fn stream(
        &self,
        invocation: &Invocation,
        streamed: StreamedResponse,
    ) -> anyhow::Result<()> {
        let path = format!(
            "/2018-06-01/runtime/invocation/{}/response",
            invocation.request_id
        );
        let mut request = lambda_runtime_api_client::build_request()
            .method(Method::POST)
            .uri(&path)
            .header(RESPONSE_MODE, "streaming")
            .header(TRANSFER_ENCODING, "chunked")
            .header(CONTENT_TYPE, HTTP_INTEGRATION_RESPONSE)
            .header(
                TRAILER,
                "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
            )
            .header(CONNECTION, "close");
        if let Some(id) = &invocation.invocation_id {
            request = request.header(INVOCATION_ID, id);
        }
        let body = RuntimeApiStream {
            prelude: Some(Bytes::from(response::prelude_bytes(&streamed.prelude))),
            body: streamed.body,
            ended: false,
        };
        let response = self
            .client
            .call(request.body(Body::new(body))?)
            .await
            .map_err(|err| anyhow::anyhow!(err))
            .with_context(|| format!("streaming to the Runtime API's {path}"))?;
        if !response.status().is_success() {
            tracing::error!(status = %response.status(), "the Runtime API refused the stream");
        }
        Ok(())
    }

    /// Fails `invocation` with `diagnostic` as its `errorType` and `errorMessage`.
    pub async fn fail(
        &self,
        invocation: &Invocation,
        diagnostic: &Diagnostic,
    ) -> anyhow::Result<()> {
        let path = format!(
            "/2018-06-01/runtime/invocation/{}/error",
            invocation.request_id
        );
        let body = serde_json::to_vec(diagnostic)?;
        self.post(&path, Some(&diagnostic.error_type), invocation, body)
            .await
    }

    async fn post(
        &self,
        path: &str,
        error_type: Option<&str>,
        invocation: &Invocation,
        body: Vec<u8>,
    ) -> anyhow::Result<()> {
        let mut request = lambda_runtime_api_client::build_request()
            .method(Method::POST)
            .uri(path);
        if let Some(error_type) = error_type {
            request = request.header(ERROR_TYPE, error_type);
        }
        if let Some(id) = &invocation.invocation_id {
            request = request.header(INVOCATION_ID, id);
        }
        let response = self
            .client
            .call(request.body(Body::from(body))?)
            .await
            .map_err(|err| anyhow::anyhow!(err))
            .with_context(|| format!("posting to the Runtime API's {path}"))?;
        if !response.status().is_success() {
            // The Runtime API refuses a stale answer (410) or one too large (413); the invocation
            // is over either way, and the next one must still be served.
            tracing::error!(status = %response.status(), "the Runtime API refused the answer");
        }
        Ok(())
    }
}

/// A streamed response as the Runtime API takes it: the prelude, the body's parts, and the
/// error trailers of a stream that ended early.
struct RuntimeApiStream {
    prelude: Option<Bytes>,
    body: StreamedBody,
    ended: bool,
}

impl http_body::Body for RuntimeApiStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(prelude) = this.prelude.take() {
            return Poll::Ready(Some(Ok(Frame::data(prelude))));
        }
        if this.ended {
            return Poll::Ready(None);
        }
        match ready!(Pin::new(&mut this.body).poll_frame(cx)) {
            Some(Ok(frame)) => Poll::Ready(Some(Ok(frame))),
            Some(Err(error)) => {
                this.ended = true;
                Poll::Ready(Some(Ok(Frame::trailers(error_trailers(error)))))
            }
            None => {
                this.ended = true;
                Poll::Ready(None)
            }
        }
    }
}

/// The trailers of a stream that ended early: its error type, and the error as Lambda's
/// `{"errorType", "errorMessage"}` JSON, base64-encoded.
fn error_trailers(error: StreamError) -> HeaderMap {
    let diagnostic = Diagnostic {
        error_type: error.error_type.to_owned(),
        error_message: error.message.to_owned(),
    };
    let json = serde_json::to_vec(&diagnostic).unwrap_or_default();
    let body = base64::engine::general_purpose::STANDARD.encode(json);
    let mut trailers = HeaderMap::new();
    for (name, value) in [(ERROR_TYPE, error.error_type), (ERROR_BODY, body.as_str())] {
        // Both are the host's own text: a static name and base64.
        if let Ok(value) = HeaderValue::from_str(value) {
            trailers.insert(HeaderName::from_static(name), value);
        }
    }
    trailers
}

/// Posts `diagnostic` to `/runtime/init/error`, as Lambda expects of a runtime that cannot start.
pub async fn report_init_error(endpoint: &Uri, diagnostic: &Diagnostic) -> anyhow::Result<()> {
    let api = RuntimeApi::new(endpoint, 1);
    let request = lambda_runtime_api_client::build_request()
        .method(Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header(ERROR_TYPE, &diagnostic.error_type)
        .body(Body::from(serde_json::to_vec(diagnostic)?))?;
    api.client
        .call(request)
        .await
        .map_err(|err| anyhow::anyhow!(err))?;
    Ok(())
}

/// The invocation in `headers` and `body`, or `None`, logged, when it has no request id that
/// can name it in a URL path.
fn invocation(headers: &HeaderMap, body: bytes::Bytes) -> Option<Invocation> {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .filter(|id| is_path_safe(id));
    let Some(request_id) = request_id else {
        tracing::error!("the Runtime API sent an invocation without a usable request id; skipped");
        return None;
    };
    let deadline_epoch_ms = headers
        .get(DEADLINE_MS)
        .and_then(|deadline| deadline.to_str().ok())
        .and_then(|deadline| deadline.trim().parse().ok())
        .unwrap_or(0);
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    Some(Invocation {
        request_id: request_id.to_owned(),
        deadline_epoch_ms,
        invoked_function_arn: text(INVOKED_FUNCTION_ARN).unwrap_or_default(),
        trace_id: text(TRACE_ID),
        tenant_id: text(TENANT_ID),
        body,
        invocation_id: headers.get(INVOCATION_ID).cloned(),
    })
}

/// Lambda's request ids are UUIDs; anything that could change the URL's path is refused.
fn is_path_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        && id != "."
        && id != ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static [u8])]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    http::HeaderName::from_static(name),
                    HeaderValue::from_bytes(value).unwrap_or(HeaderValue::from_static("")),
                )
            })
            .collect()
    }

    #[test]
    fn reads_the_request_id_deadline_invoked_arn_and_invocation_id() {
        let invocation = invocation(
            &headers(&[
                (REQUEST_ID, b"8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
                (DEADLINE_MS, b"1542409706888"),
                (
                    INVOKED_FUNCTION_ARN,
                    b"arn:aws:lambda:us-east-1:123456789012:function:f:live",
                ),
                (INVOCATION_ID, b"inv-1"),
                (
                    TRACE_ID,
                    b"Root=1-5e1b4151-5ac6c58f3eb0d5e4c9e5f6d1;Parent=7ad9f3b3c6d1e2f4;Sampled=1",
                ),
                (TENANT_ID, b"tenant-42"),
                (
                    "lambda-runtime-client-context",
                    b"{\"client\": \"not a map\"}",
                ),
                ("lambda-runtime-cognito-identity", b"[1, 2]"),
            ]),
            bytes::Bytes::from_static(b"{}"),
        );
        let invocation = invocation.expect("an invocation");
        assert_eq!(
            invocation.request_id,
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
        );
        assert_eq!(invocation.deadline_epoch_ms, 1542409706888);
        assert_eq!(
            invocation.invoked_function_arn,
            "arn:aws:lambda:us-east-1:123456789012:function:f:live"
        );
        assert_eq!(
            invocation.invocation_id,
            Some(HeaderValue::from_static("inv-1"))
        );
        assert_eq!(
            invocation.trace_id.as_deref(),
            Some("Root=1-5e1b4151-5ac6c58f3eb0d5e4c9e5f6d1;Parent=7ad9f3b3c6d1e2f4;Sampled=1")
        );
        assert_eq!(invocation.tenant_id.as_deref(), Some("tenant-42"));
    }

    #[test]
    fn without_a_trace_or_a_tenant_there_is_none() {
        let invocation = invocation(&headers(&[(REQUEST_ID, b"id-1")]), bytes::Bytes::new());
        let invocation = invocation.expect("an invocation");
        assert_eq!((invocation.trace_id, invocation.tenant_id), (None, None));
    }

    #[test]
    fn a_missing_or_unparsable_deadline_is_zero() {
        for deadline in [&b"soon"[..], b"-5", b""] {
            let invocation = invocation(
                &headers(&[(REQUEST_ID, b"id-1"), (DEADLINE_MS, deadline)]),
                bytes::Bytes::new(),
            );
            assert_eq!(invocation.map(|i| i.deadline_epoch_ms), Some(0));
        }
    }

    #[test]
    fn an_invocation_without_a_path_safe_request_id_is_skipped() {
        for id in [&b""[..], b"..", b"a/b", b"a?b", b"id\xff"] {
            assert!(
                invocation(&headers(&[(REQUEST_ID, id)]), bytes::Bytes::new()).is_none(),
                "{id:?}"
            );
        }
        assert!(invocation(&headers(&[]), bytes::Bytes::new()).is_none());
    }
}
