//! The routes a template's functions declare: their `Api` or `HttpApi` events, each with the
//! settings of the API it attaches to, and whether its integration streams.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use yaml_rust2::{Yaml, YamlLoader};

use super::apis::{ApiSettings, TemplateApis};
use crate::pipeline::InvokeMode;
use crate::serve::api_kind::ApiKind;

/// A route as a template event (or the catch-all) declares it.
#[derive(Debug)]
pub(in crate::serve) struct DeclaredRoute {
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the HTTP API `$default` route.
    pub path: Option<String>,
    /// The API it belongs to.
    pub api: Arc<ApiSettings>,
    /// How the function answers on it, where the template says (a REST integration's
    /// `responseTransferMode`, a Function URL's `InvokeMode`); `None` leaves it to
    /// `serve --invoke-mode`.
    pub invoke_mode: Option<InvokeMode>,
}

pub(in crate::serve) fn routes_of_template(
    text: &str,
    payload: ApiKind,
    function: Option<&str>,
) -> anyhow::Result<Vec<DeclaredRoute>> {
    let documents = YamlLoader::load_from_str(text).context("not valid YAML")?;
    let Some(template) = documents.first() else {
        bail!("no Resources");
    };
    let Some(resources) = template["Resources"].as_hash() else {
        bail!("no Resources");
    };
    let apis = TemplateApis::read(template, payload)?;
    let mut routes = Vec::new();
    for (name, resource) in resources {
        let is_function = resource["Type"].as_str() == Some("AWS::Serverless::Function");
        if !is_function || function.is_some_and(|function| name.as_str() != Some(function)) {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_hash() else {
            continue;
        };
        for event in events
            .values()
            .filter(|event| event["Type"].as_str() == Some(payload.sam_event_type()))
        {
            let properties = &event["Properties"];
            let (method, path) = route_of_event(properties, payload)?;
            let api = apis.of_event(properties, payload);
            routes.push(DeclaredRoute {
                method,
                path,
                api,
                invoke_mode: transfer_mode(properties)?,
            });
        }
    }
    Ok(routes)
}

/// How an `Api` event's integration answers, when it says: SAM's `ResponseTransferMode`,
/// `RESPONSE_STREAM` (an integration with `responseTransferMode: STREAM`) or `BUFFERED`.
fn transfer_mode(properties: &Yaml) -> anyhow::Result<Option<InvokeMode>> {
    match &properties["ResponseTransferMode"] {
        Yaml::BadValue => Ok(None),
        mode => match mode.as_str() {
            Some("RESPONSE_STREAM") => Ok(Some(InvokeMode::ResponseStream)),
            Some("BUFFERED") => Ok(Some(InvokeMode::Buffered)),
            _ => bail!("ResponseTransferMode must be RESPONSE_STREAM or BUFFERED"),
        },
    }
}

/// The method (`None` for `ANY`) and path of an event.
fn route_of_event(
    properties: &Yaml,
    payload: ApiKind,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let method = properties["Method"].as_str().map(str::to_owned);
    let path = properties["Path"].as_str().map(str::to_owned);
    // An HttpApi event without a path is the API's `$default` route; an Api event needs one.
    if payload == ApiKind::Rest && path.is_none() {
        bail!("an Api event has no Path");
    }
    Ok((method, path))
}
