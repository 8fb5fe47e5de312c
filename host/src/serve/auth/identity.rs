//! The values of an authorizer's identity sources in one request: headers (any case), query
//! string parameters (exact names), context variables (from the event's `requestContext`) and
//! stage variables. An empty value counts as missing, as API Gateway counts it.

use serde_json::Value;

use super::AuthRequest;
use crate::event::fields;
use crate::serve::api_kind::ApiKind;
use crate::serve::template::auth::IdentitySource;

/// The value of `source` in the request, `None` when it is missing or empty.
pub fn value(request: &AuthRequest<'_>, source: &IdentitySource) -> Option<String> {
    let found = match source {
        IdentitySource::Header(name) => header(request, name),
        IdentitySource::Query(name) => {
            let query = fields::decode_query(&request.request.raw_query);
            joined(
                request.kind,
                query
                    .iter()
                    .filter(|(key, _)| key == name)
                    .map(|(_, v)| v.as_str()),
            )
        }
        IdentitySource::Context(name) => {
            let event = (request.events)(request.payload);
            let mut value = &event["requestContext"];
            for part in name.split('.') {
                value = &value[part];
            }
            match value {
                Value::String(text) => Some(text.clone()),
                Value::Number(number) => Some(number.to_string()),
                Value::Bool(flag) => Some(flag.to_string()),
                _ => None,
            }
        }
        // A local API has no stage variables.
        IdentitySource::StageVariable(_) => None,
    };
    found.filter(|value| !value.is_empty())
}

/// The header `name` (any case): a REST API takes its last value, an HTTP API joins them.
pub fn header(request: &AuthRequest<'_>, name: &str) -> Option<String> {
    let values = request
        .request
        .headers
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str());
    joined(request.kind, values).filter(|value| !value.is_empty())
}

fn joined<'a>(kind: ApiKind, values: impl Iterator<Item = &'a str>) -> Option<String> {
    let values: Vec<&str> = values.collect();
    match kind {
        ApiKind::Rest => values.last().map(|value| (*value).to_owned()),
        ApiKind::Http => (!values.is_empty()).then(|| values.join(",")),
    }
}
