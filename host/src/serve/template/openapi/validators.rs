//! REST API request validators as API Gateway imports them: the named validators of
//! `x-amazon-apigateway-request-validators` (each checking the body, the parameters or both),
//! and `x-amazon-apigateway-request-validator`, the one every operation of the document uses
//! unless an operation names its own. For an operation under a validator: what it checks, its
//! required query, header and path parameters and its request body's JSON Schema per content
//! type, with the document's `components` for their `$ref`s.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use openapiv3::Parameter;
use serde_json::Value;

/// The document's map of named validators.
pub const VALIDATORS: &str = "x-amazon-apigateway-request-validators";
/// The validator of the document's operations, or of one.
pub const VALIDATOR: &str = "x-amazon-apigateway-request-validator";

/// What one named validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rules {
    body: bool,
    parameters: bool,
}

/// The validators of one document.
#[derive(Debug, Default)]
pub struct Validators {
    rules: BTreeMap<String, Rules>,
    /// The validator of operations that name none.
    default: Option<String>,
}

/// Where a required parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// A segment of the path.
    Path,
    /// The query string.
    Query,
    /// A header (names compared in any case).
    Header,
}

/// A parameter a request must carry, not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredParameter {
    /// Where it is.
    pub location: ParameterLocation,
    /// Its name.
    pub name: String,
}

/// What one route's request validator checks before its function runs.
#[derive(Debug, Clone)]
pub struct RequestValidation {
    /// The validator's name, for the log.
    pub validator: String,
    /// The parameters that must be present and not blank (none when the validator does not
    /// check parameters).
    pub parameters: Vec<RequiredParameter>,
    /// The body's JSON Schema for each content type (lower case, without parameters; `$default`
    /// for any other), none when the validator does not check bodies.
    pub bodies: Vec<(String, Value)>,
    /// The document's `components`, where the schemas' `$ref`s point.
    pub components: Arc<Value>,
}

impl Validators {
    /// The validators `document` declares, and its default.
    pub fn read(document: &Value) -> anyhow::Result<Self> {
        let mut rules = BTreeMap::new();
        for (name, declared) in document[VALIDATORS].as_object().into_iter().flatten() {
            let flag = |key: &str| match &declared[key] {
                Value::Null => Ok(false),
                Value::Bool(flag) => Ok(*flag),
                _ => bail!("{VALIDATORS}.{name}.{key} is not a boolean"),
            };
            let checks = Rules {
                body: flag("validateRequestBody")?,
                parameters: flag("validateRequestParameters")?,
            };
            rules.insert(name.clone(), checks);
        }
        let validators = Self {
            rules,
            default: None,
        };
        let default = validators.named(&document[VALIDATOR]).context(VALIDATOR)?;
        Ok(Self {
            default: default.map(|(name, _)| name),
            ..validators
        })
    }

    /// Whether the document declares or names any validator.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.default.is_none()
    }

    /// What `operation`'s validator checks, given its `parameters` (the path's and its own,
    /// references resolved) and its request body (reference resolved); `None` when it has no
    /// validator or it checks nothing this operation declares.
    pub fn of(
        &self,
        operation: &Value,
        parameters: &[Parameter],
        body: &Value,
        components: &Arc<Value>,
    ) -> anyhow::Result<Option<RequestValidation>> {
        let named = match self.named(&operation[VALIDATOR]).context(VALIDATOR)? {
            Some(named) => Some(named),
            None => self
                .default
                .as_ref()
                .map(|name| (name.clone(), self.rules[name])),
        };
        let Some((validator, rules)) = named else {
            return Ok(None);
        };
        let parameters = match rules.parameters {
            true => required(parameters),
            false => Vec::new(),
        };
        let bodies = match rules.body {
            true => schemas(body)?,
            false => Vec::new(),
        };
        if parameters.is_empty() && bodies.is_empty() {
            return Ok(None);
        }
        Ok(Some(RequestValidation {
            validator,
            parameters,
            bodies,
            components: components.clone(),
        }))
    }

    /// The validator `name` names, with its rules; `None` for none.
    fn named(&self, name: &Value) -> anyhow::Result<Option<(String, Rules)>> {
        match name {
            Value::Null => Ok(None),
            Value::String(name) => match self.rules.get(name) {
                Some(rules) => Ok(Some((name.clone(), *rules))),
                None => bail!("{name:?} is not among the document's {VALIDATORS}"),
            },
            _ => bail!("expected a validator's name"),
        }
    }
}

/// The required parameters API Gateway checks: query, header and path ones (it has no cookie
/// parameters).
fn required(parameters: &[Parameter]) -> Vec<RequiredParameter> {
    parameters
        .iter()
        .filter_map(|parameter| {
            let (location, data) = match parameter {
                Parameter::Path { parameter_data, .. } => (ParameterLocation::Path, parameter_data),
                Parameter::Query { parameter_data, .. } => {
                    (ParameterLocation::Query, parameter_data)
                }
                Parameter::Header { parameter_data, .. } => {
                    (ParameterLocation::Header, parameter_data)
                }
                Parameter::Cookie { .. } => return None,
            };
            data.required.then(|| RequiredParameter {
                location,
                name: data.name.clone(),
            })
        })
        .collect()
}

/// A request body's schema per content type, its keys lower case without parameters.
fn schemas(body: &Value) -> anyhow::Result<Vec<(String, Value)>> {
    let mut schemas = Vec::new();
    for (media_type, content) in body["content"].as_object().into_iter().flatten() {
        let schema = &content["schema"];
        if schema.is_null() {
            continue;
        }
        if !schema.is_object() && !schema.is_boolean() {
            bail!("requestBody.content.{media_type}.schema is not a schema");
        }
        schemas.push((media_type_of(media_type), schema.clone()));
    }
    Ok(schemas)
}

/// `text/plain; charset=utf-8` as `text/plain`.
pub fn media_type_of(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parameters(declared: Value) -> Vec<Parameter> {
        serde_json::from_value(declared).unwrap()
    }

    #[test]
    fn an_operation_uses_its_own_validator_or_the_documents() {
        let document = json!({
            VALIDATORS: {
                "all": { "validateRequestBody": true, "validateRequestParameters": true },
                "params-only": { "validateRequestParameters": true },
            },
            VALIDATOR: "all",
        });
        let validators = Validators::read(&document).unwrap();
        let params = parameters(json!([
            { "name": "q1", "in": "query", "required": true, "schema": { "type": "string" } },
            { "name": "opt", "in": "query", "schema": { "type": "string" } },
            { "name": "h1", "in": "header", "required": true, "schema": { "type": "string" } },
        ]));
        let body = json!({ "content": { "application/json; charset=utf-8": { "schema": { "type": "object" } } } });
        let components = Arc::new(json!({}));
        let all = validators
            .of(&json!({}), &params, &body, &components)
            .unwrap()
            .unwrap();
        assert_eq!(all.validator, "all");
        let names: Vec<&str> = all.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["q1", "h1"]);
        assert_eq!(all.bodies[0].0, "application/json");
        let own = json!({ VALIDATOR: "params-only" });
        let params_only = validators
            .of(&own, &params, &body, &components)
            .unwrap()
            .unwrap();
        assert!(params_only.bodies.is_empty());
        let unknown = json!({ VALIDATOR: "nope" });
        let error = validators
            .of(&unknown, &params, &body, &components)
            .unwrap_err();
        assert!(format!("{error:#}").contains("\"nope\""), "{error:#}");
    }

    #[test]
    fn without_a_validator_nothing_is_checked() {
        let validators = Validators::read(&json!({})).unwrap();
        assert!(validators.is_empty());
        let params =
            parameters(json!([{ "name": "id", "in": "path", "required": true, "schema": {} }]));
        let checked = validators
            .of(&json!({}), &params, &Value::Null, &Arc::new(json!({})))
            .unwrap();
        assert!(checked.is_none());
        let error = Validators::read(&json!({ VALIDATOR: "missing" })).unwrap_err();
        assert!(format!("{error:#}").contains("missing"), "{error:#}");
    }
}
