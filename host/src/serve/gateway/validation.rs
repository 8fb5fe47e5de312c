//! A REST API's request validator at the local gateway. After the authorizer has let a request
//! through and before its function runs ("If access is allowed, API Gateway invokes the
//! method", AWS, "Use API Gateway Lambda authorizers"; the validator is part of the method
//! request), the route's required query, header and path parameters must be present and not
//! blank, and the body must match the JSON Schema of its content type. Otherwise the client gets
//! API Gateway's 400 (AWS, "Test basic request validation in API Gateway":
//! `{"message": "Missing required request parameters: [q1]"}`, `{"message": "Invalid request
//! body"}`) and the function is not called.
//!
//! As API Gateway documents it ("Request validation for REST APIs in API Gateway"): parameters
//! are only checked to exist, not their type or format; a body is checked against the model of
//! its content type (`application/json` when the request names none), else the `$default`
//! model, else not at all. Where AWS is silent: an empty body is not JSON, so it fails a body
//! check, and a body of a binary media type is checked like any other.

use std::fmt::Write as _;

use anyhow::Context as _;
use serde_json::{Value, json};

use super::request::HttpRequest;
use crate::event::fields;
use crate::guest_text;
use crate::serve::template::openapi::validators::{
    ParameterLocation, RequestValidation, RequiredParameter, media_type_of,
};

/// The content type API Gateway assumes when a request names none.
const DEFAULT_CONTENT_TYPE: &str = "application/json";
/// The model API Gateway uses for a content type without its own.
const DEFAULT_MODEL: &str = "$default";
/// How many of a body's schema violations the log line names.
const LOGGED_VIOLATIONS: usize = 3;

/// One route's request validator, its schemas compiled.
pub struct Validator {
    name: String,
    parameters: Vec<RequiredParameter>,
    bodies: Vec<(String, jsonschema::Validator)>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("name", &self.name)
            .field("parameters", &self.parameters)
            .finish_non_exhaustive()
    }
}

/// Why a request fails its validator.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    /// API Gateway's message to the client.
    pub message: String,
    /// What was wrong, for the log.
    pub detail: String,
}

impl Validator {
    /// The validator `validation` describes, each body schema compiled as JSON Schema draft 4
    /// with the document's components beside it, so that `#/components/schemas/...` resolves;
    /// a `pattern` the regex crate cannot compile is an error.
    pub fn compile(validation: &RequestValidation) -> anyhow::Result<Self> {
        let mut bodies = Vec::with_capacity(validation.bodies.len());
        for (media_type, schema) in &validation.bodies {
            let root = json!({
                "$schema": "http://json-schema.org/draft-04/schema#",
                "allOf": [schema],
                "components": *validation.components,
            });
            // `pattern`s on the regex crate's engine: linear in the input whatever the client
            // sends (no look-around or backreferences, which could backtrack without bound).
            let compiled = jsonschema::draft4::options()
                .with_pattern_options(jsonschema::PatternOptions::regex())
                .build(&root)
                .map_err(|err| anyhow::anyhow!("{err}"))
                .with_context(|| format!("the {media_type} schema of the request body"))?;
            bodies.push((media_type.clone(), compiled));
        }
        Ok(Self {
            name: validation.validator.clone(),
            parameters: validation.parameters.clone(),
            bodies,
        })
    }

    /// Checks `request`, whose path parameters are `path_parameters`.
    pub fn check(
        &self,
        request: &HttpRequest,
        path_parameters: &[(String, String)],
    ) -> Result<(), Invalid> {
        self.check_parameters(request, path_parameters)?;
        self.check_body(request)
    }

    fn check_parameters(
        &self,
        request: &HttpRequest,
        path_parameters: &[(String, String)],
    ) -> Result<(), Invalid> {
        if self.parameters.is_empty() {
            return Ok(());
        }
        let query = fields::decode_query(&request.raw_query);
        let last = |pairs: &[(String, String)], name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        let missing: Vec<&str> = self
            .parameters
            .iter()
            .filter(|parameter| {
                let value = match parameter.location {
                    ParameterLocation::Query => last(&query, &parameter.name),
                    ParameterLocation::Path => last(path_parameters, &parameter.name),
                    ParameterLocation::Header => request
                        .header(&parameter.name.to_ascii_lowercase())
                        .map(str::to_owned),
                };
                value.is_none_or(|value| value.trim().is_empty())
            })
            .map(|parameter| parameter.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let listed = missing.join(", ");
        Err(Invalid {
            message: format!("Missing required request parameters: [{listed}]"),
            detail: format!("validator {}: missing or blank: {listed}", self.name),
        })
    }

    fn check_body(&self, request: &HttpRequest) -> Result<(), Invalid> {
        let content_type = request
            .header("content-type")
            .map_or_else(|| DEFAULT_CONTENT_TYPE.to_owned(), media_type_of);
        let schema = self
            .bodies
            .iter()
            .find(|(media_type, _)| *media_type == content_type)
            .or_else(|| {
                self.bodies
                    .iter()
                    .find(|(media_type, _)| media_type == DEFAULT_MODEL)
            });
        let Some((media_type, schema)) = schema else {
            return Ok(());
        };
        let invalid = |why: String| Invalid {
            message: "Invalid request body".to_owned(),
            detail: format!(
                "validator {}: the request body does not match the model schema for content \
                 type {media_type}: {}",
                self.name,
                guest_text::for_log(&why)
            ),
        };
        let body: Value = serde_json::from_slice(&request.body)
            .map_err(|err| invalid(format!("it is not JSON: {err}")))?;
        let mut violations = String::new();
        for (index, error) in schema.iter_errors(&body).enumerate() {
            if index == LOGGED_VIOLATIONS {
                violations.push_str("; ...");
                break;
            }
            if index > 0 {
                violations.push_str("; ");
            }
            // Writing to a String cannot fail.
            let _ = write!(violations, "{error} at {}", error.instance_path());
        }
        match violations.is_empty() {
            true => Ok(()),
            false => Err(invalid(violations)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn request(query: &str, headers: &[(&str, &str)], body: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/users".into(),
            raw_query: query.into(),
            headers: headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            client_ip: std::net::Ipv4Addr::LOCALHOST.into(),
        }
    }

    fn validator(parameters: &[(ParameterLocation, &str)], bodies: Value) -> Validator {
        let bodies = bodies
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media_type, schema)| (media_type.clone(), schema.clone()))
            .collect();
        Validator::compile(&RequestValidation {
            validator: "all".into(),
            parameters: parameters
                .iter()
                .map(|(location, name)| RequiredParameter {
                    location: *location,
                    name: name.to_string(),
                })
                .collect(),
            bodies,
            components: Arc::new(json!({ "schemas": {
                "NewUser": {
                    "type": "object",
                    "required": ["name", "email"],
                    "properties": { "name": { "type": "string" }, "email": { "$ref": "#/components/schemas/Email" } },
                },
                "Email": { "type": "string", "minLength": 3 },
            }})),
        })
        .unwrap()
    }

    fn users() -> Validator {
        validator(
            &[],
            json!({ "application/json": { "$ref": "#/components/schemas/NewUser" } }),
        )
    }

    #[test]
    fn a_body_is_checked_against_its_schema_refs_included() {
        let users = users();
        let json = [("content-type", "application/json; charset=utf-8")];
        assert_eq!(
            users.check(
                &request("", &json, r#"{"name":"Ann","email":"a@b.c"}"#),
                &[]
            ),
            Ok(())
        );
        for body in [
            r#"{"name":"Ann"}"#,
            r#"{"name":"Ann","email":"ab"}"#,
            "{",
            "",
            "[]",
        ] {
            let invalid = users.check(&request("", &json, body), &[]).unwrap_err();
            assert_eq!(invalid.message, "Invalid request body", "{body}");
            assert!(
                invalid.detail.contains("application/json"),
                "{}",
                invalid.detail
            );
        }
        let missing = users
            .check(&request("", &json, r#"{"name":"Ann"}"#), &[])
            .unwrap_err();
        assert!(missing.detail.contains("\"email\""), "{}", missing.detail);
    }

    #[test]
    fn the_content_type_picks_the_model_application_json_by_default() {
        let users = users();
        let bad = r#"{"name":"Ann"}"#;
        assert!(
            users.check(&request("", &[], bad), &[]).is_err(),
            "no content type: JSON"
        );
        assert_eq!(
            users.check(&request("", &[("content-type", "text/plain")], bad), &[]),
            Ok(()),
            "no model for text/plain: not checked"
        );
        let any = validator(&[], json!({ "$default": { "type": "object" } }));
        assert!(
            any.check(&request("", &[("content-type", "text/plain")], "1"), &[])
                .is_err()
        );
    }

    #[test]
    fn required_parameters_must_be_present_and_not_blank() {
        let params = validator(
            &[
                (ParameterLocation::Query, "q1"),
                (ParameterLocation::Header, "X-Trace"),
                (ParameterLocation::Path, "id"),
            ],
            json!({}),
        );
        let id = [("id".to_owned(), "7".to_owned())];
        assert_eq!(
            params.check(&request("q1=cat", &[("x-trace", "t")], ""), &id),
            Ok(())
        );
        let invalid = params
            .check(&request("q1=&other=1", &[("x-trace", " ")], ""), &id)
            .unwrap_err();
        assert_eq!(
            invalid.message,
            "Missing required request parameters: [q1, X-Trace]"
        );
        let invalid = params
            .check(&request("q1=a", &[("x-trace", "t")], ""), &[])
            .unwrap_err();
        assert_eq!(invalid.message, "Missing required request parameters: [id]");
    }

    #[test]
    fn a_pattern_that_could_backtrack_is_refused() {
        let error = Validator::compile(&RequestValidation {
            validator: "v".into(),
            parameters: Vec::new(),
            bodies: vec![(
                "application/json".into(),
                json!({ "type": "string", "pattern": "^(a+)\\1$" }),
            )],
            components: Arc::new(Value::Null),
        })
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("application/json"),
            "{error:#}"
        );
        let linear = validator(&[], json!({ "application/json": { "pattern": "^(a+)+$" } }));
        let long = format!("\"{}b\"", "a".repeat(10_000));
        assert!(linear.check(&request("", &[], &long), &[]).is_err());
    }

    #[test]
    fn a_schema_that_cannot_compile_is_an_error_naming_its_content_type() {
        let error = Validator::compile(&RequestValidation {
            validator: "v".into(),
            parameters: Vec::new(),
            bodies: vec![(
                "application/json".into(),
                json!({ "$ref": "https://example.com/remote.json" }),
            )],
            components: Arc::new(Value::Null),
        })
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("application/json"),
            "{error:#}"
        );
    }
}
