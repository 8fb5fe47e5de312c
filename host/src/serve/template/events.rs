//! The routes a template's functions declare: their `Api` and `HttpApi` events, each on the API
//! it names (`RestApiId`, `ApiId`) or the implicit one, with its payload format, its `Auth` and
//! whether its integration streams.

use anyhow::{Context as _, bail};
use serde_json::Value;

use super::auth::RouteAuth;
use super::intrinsics::Scope;
use crate::pipeline::InvokeMode;
use crate::serve::api_kind::{ApiKind, PayloadFormat};

/// A route as an event declares it, before it is matched with its API's authorizers.
#[derive(Debug, Clone)]
pub struct DeclaredEvent {
    /// The logical id of the API it is on.
    pub api: String,
    /// REST or HTTP.
    pub kind: ApiKind,
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the HTTP API `$default` route.
    pub path: Option<String>,
    /// The logical id of the function it invokes.
    pub function: String,
    /// The event format the function gets.
    pub payload: PayloadFormat,
    /// What its `Auth` asks for.
    pub auth: RouteAuth,
    /// How the function answers, where the event says (a REST integration's
    /// `ResponseTransferMode`).
    pub invoke_mode: Option<InvokeMode>,
    /// `Function.Events.Name`, for messages.
    pub origin: String,
}

/// Every `Api` and `HttpApi` event of the template's functions.
pub fn read(template: &Value, scope: &Scope) -> anyhow::Result<Vec<DeclaredEvent>> {
    let mut events = Vec::new();
    for (function, resource) in template["Resources"].as_object().into_iter().flatten() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        for (name, event) in resource["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let kind = match event["Type"].as_str() {
                Some("Api") => ApiKind::Rest,
                Some("HttpApi") => ApiKind::Http,
                _ => continue,
            };
            let origin = format!("{function}.Events.{name}");
            let properties = scope
                .resolve(&event["Properties"])
                .with_context(|| format!("in {origin}"))?
                .unwrap_or(Value::Null);
            let declared = declared(&properties, kind, function, origin.clone(), scope)
                .with_context(|| format!("in {origin}"))?;
            events.push(declared);
        }
    }
    Ok(events)
}

fn declared(
    properties: &Value,
    kind: ApiKind,
    function: &str,
    origin: String,
    scope: &Scope,
) -> anyhow::Result<DeclaredEvent> {
    let text = |key: &str| properties[key].as_str().map(str::to_owned);
    let path = text("Path");
    // An HttpApi event without a path is the API's `$default` route; an Api event needs one.
    if kind == ApiKind::Rest && path.is_none() {
        bail!("an Api event has no Path");
    }
    let payload = match kind {
        ApiKind::Rest => PayloadFormat::V1,
        ApiKind::Http => match text("PayloadFormatVersion").as_deref() {
            None | Some("2.0") => PayloadFormat::V2,
            Some("1.0") => PayloadFormat::V1,
            Some(other) => bail!("PayloadFormatVersion {other:?} is neither 1.0 nor 2.0"),
        },
    };
    Ok(DeclaredEvent {
        api: text(kind.sam_api_id_property()).unwrap_or_else(|| kind.implicit_api_id().to_owned()),
        kind,
        method: text("Method"),
        path,
        function: function.to_owned(),
        payload,
        auth: RouteAuth::read(properties, scope)?,
        invoke_mode: transfer_mode(properties)?,
        origin,
    })
}

/// How an `Api` event's integration answers, when it says: SAM's `ResponseTransferMode`,
/// `RESPONSE_STREAM` (an integration with `responseTransferMode: STREAM`) or `BUFFERED`.
fn transfer_mode(properties: &Value) -> anyhow::Result<Option<InvokeMode>> {
    match &properties["ResponseTransferMode"] {
        Value::Null => Ok(None),
        mode => match mode.as_str() {
            Some("RESPONSE_STREAM") => Ok(Some(InvokeMode::ResponseStream)),
            Some("BUFFERED") => Ok(Some(InvokeMode::Buffered)),
            _ => bail!("ResponseTransferMode must be RESPONSE_STREAM or BUFFERED"),
        },
    }
}
