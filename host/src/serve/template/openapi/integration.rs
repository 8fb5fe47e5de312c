//! One operation's `x-amazon-apigateway-integration`: the function an `aws_proxy` integration
//! invokes, named by its `uri` (API Gateway's Lambda invocation URI, or on an HTTP API the
//! function's ARN itself), the event format it sends (`payloadFormatVersion`, which an HTTP
//! API requires and a REST API does not have: it always sends 1.0), and on a REST API whether it
//! streams the function's response (`responseTransferMode`).

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::pipeline::InvokeMode;
use crate::serve::api_kind::{ApiKind, PayloadFormat};
use crate::serve::template::auth::function_named;

/// The OpenAPI extension that names an operation's integration.
pub const EXTENSION: &str = "x-amazon-apigateway-integration";

/// What an integration does, as far as `serve` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integration {
    /// A Lambda proxy integration: the function, and the event format it gets.
    Lambda {
        /// The logical id of the function.
        function: String,
        /// The event format.
        payload: PayloadFormat,
        /// Whole or streamed, where the integration says (`responseTransferMode`).
        invoke_mode: Option<InvokeMode>,
    },
    /// Another type (`mock`, `http_proxy`, `aws`, ...), which `serve` does not emulate.
    NotEmulated(String),
}

/// The integration `declared` describes, on an API of `kind`.
pub fn read(declared: &Value, kind: ApiKind) -> anyhow::Result<Integration> {
    let kind_of = declared["type"]
        .as_str()
        .context("it has no type")?
        .to_ascii_lowercase();
    if kind_of != "aws_proxy" {
        return Ok(Integration::NotEmulated(kind_of));
    }
    let uri = match &declared["uri"] {
        Value::String(uri) => uri,
        Value::Null => bail!("an aws_proxy integration needs a uri"),
        other => bail!(
            "uri is not text but {other}: only a DefinitionBody's intrinsics are resolved \
             (a DefinitionUri file is imported as it is)"
        ),
    };
    let function = function_named(uri)
        .with_context(|| format!("uri {uri:?} does not name a Lambda function"))?;
    // A REST API calls Lambda's Invoke API with the integration's method; any other than POST
    // fails every request.
    if kind == ApiKind::Rest
        && !declared["httpMethod"]
            .as_str()
            .is_some_and(|method| method.eq_ignore_ascii_case("POST"))
    {
        bail!("httpMethod must be POST: Lambda functions are invoked with POST");
    }
    let payload = match kind {
        ApiKind::Rest => PayloadFormat::V1,
        ApiKind::Http => match declared["payloadFormatVersion"].as_str() {
            Some("1.0") => PayloadFormat::V1,
            Some("2.0") => PayloadFormat::V2,
            Some(other) => bail!("payloadFormatVersion {other:?} is neither 1.0 nor 2.0"),
            // "If you create a Lambda integration by using the AWS CLI, CloudFormation, or an
            // SDK, you must specify a payloadFormatVersion" (AWS, "Create AWS Lambda proxy
            // integrations for HTTP APIs").
            None => bail!("an HTTP API's Lambda integration needs a payloadFormatVersion"),
        },
    };
    let invoke_mode = match (kind, &declared["responseTransferMode"]) {
        (_, Value::Null) => None,
        (ApiKind::Rest, mode) => match mode.as_str() {
            Some("STREAM") => Some(InvokeMode::ResponseStream),
            Some("BUFFERED") => Some(InvokeMode::Buffered),
            _ => bail!("responseTransferMode must be STREAM or BUFFERED"),
        },
        (ApiKind::Http, _) => bail!("an HTTP API cannot stream: responseTransferMode is REST's"),
    };
    Ok(Integration::Lambda {
        function,
        payload,
        invoke_mode,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const INVOCATION: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Users:live/invocations";

    #[test]
    fn a_rest_proxy_integration_names_its_function_through_the_invocation_uri() {
        let declared = json!({ "type": "AWS_PROXY", "httpMethod": "POST", "uri": INVOCATION });
        assert_eq!(
            read(&declared, ApiKind::Rest).unwrap(),
            Integration::Lambda {
                function: "Users".into(),
                payload: PayloadFormat::V1,
                invoke_mode: None,
            }
        );
        let streaming = json!({
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/arn:aws:lambda:us-east-1:123456789012:function:Clock/response-streaming-invocations",
            "responseTransferMode": "STREAM",
        });
        assert_eq!(
            read(&streaming, ApiKind::Rest).unwrap(),
            Integration::Lambda {
                function: "Clock".into(),
                payload: PayloadFormat::V1,
                invoke_mode: Some(InvokeMode::ResponseStream),
            }
        );
        let get = json!({ "type": "aws_proxy", "httpMethod": "GET", "uri": INVOCATION });
        let error = read(&get, ApiKind::Rest).unwrap_err().to_string();
        assert!(error.contains("POST"), "{error}");
    }

    #[test]
    fn an_http_integration_takes_the_function_arn_and_needs_its_payload_version() {
        let declared = json!({
            "type": "aws_proxy",
            "uri": "arn:aws:lambda:us-east-1:123456789012:function:Hello",
            "payloadFormatVersion": "1.0",
        });
        assert_eq!(
            read(&declared, ApiKind::Http).unwrap(),
            Integration::Lambda {
                function: "Hello".into(),
                payload: PayloadFormat::V1,
                invoke_mode: None,
            }
        );
        let missing = json!({ "type": "aws_proxy", "uri": INVOCATION });
        let error = read(&missing, ApiKind::Http).unwrap_err().to_string();
        assert!(error.contains("payloadFormatVersion"), "{error}");
    }

    #[test]
    fn other_types_are_not_emulated_and_a_uri_must_name_a_function() {
        assert_eq!(
            read(&json!({ "type": "mock" }), ApiKind::Rest).unwrap(),
            Integration::NotEmulated("mock".into())
        );
        let error = read(
            &json!({ "type": "aws_proxy", "httpMethod": "POST", "uri": "https://example.com" }),
            ApiKind::Rest,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("does not name a Lambda function"), "{error}");
        let error = read(
            &json!({ "type": "aws_proxy", "uri": { "Fn::Sub": "x" } }),
            ApiKind::Rest,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("DefinitionUri"), "{error}");
    }
}
