//! One API's routes, as SAM makes them from its definition's operations and its functions'
//! events: without a definition, every event is a route; a REST API's definition is its routes,
//! its events adding none (SAM only lets the API invoke their functions) unless
//! `MergeDefinitions` merges them in, an event's integration and authorizer winning over an
//! operation of the same method and path, whose request validator stays;
//! on an HTTP API, an event becomes a route unless the definition's operation of the same method
//! and path has an integration already, and gives one to an operation without.

use std::sync::Arc;

use anyhow::{Context as _, bail};

use super::events::DeclaredEvent;
use super::functions::Function;
use super::openapi::integration::Integration;
use super::openapi::{ANY_METHOD, DefinedRoute};
use super::{Api, DefinedBy, Route};
use crate::serve::api_kind::ApiKind;

/// Puts on `api` the routes of its definition's operations (`defined`) and of `events`, its
/// functions' events; `functions` are the template's.
pub fn routes(
    api: &mut Api,
    defined: Vec<DefinedRoute>,
    events: Vec<DeclaredEvent>,
    functions: &[Function],
) -> anyhow::Result<()> {
    let mut open = Vec::new();
    for operation in defined {
        let Some(Integration::Lambda {
            function,
            payload,
            invoke_mode,
        }) = &operation.integration
        else {
            if operation.integration.is_none() {
                open.push(operation);
            }
            continue;
        };
        if !functions.iter().any(|declared| &declared.id == function) {
            bail!(
                "{}: its integration names {function}, which is not an \
                 AWS::Serverless::Function of the template",
                operation.origin
            );
        }
        let auth = operation
            .auth
            .resolve(&api.auth)
            .with_context(|| format!("in {}", operation.origin))?;
        api.routes.push(Route {
            method: operation.method,
            path: operation.path,
            function: function.clone(),
            payload: *payload,
            auth,
            invoke_mode: *invoke_mode,
            validation: operation.validation.map(Arc::new),
            defined_by: DefinedBy::Definition,
            origin: operation.origin,
        });
    }
    for event in events {
        let key = (key_method(event.method.as_deref()), event.path.clone());
        let same = |route: &Route| (key_method(route.method.as_deref()), route.path.clone()) == key;
        let mut auth = event.auth.clone();
        let mut validation = None;
        if api.definition.is_some() {
            match api.kind {
                // The event only lets the API invoke its function, as the operation's own
                // integration needs.
                ApiKind::Rest if !api.merge_definitions && api.routes.iter().any(same) => {
                    continue;
                }
                ApiKind::Rest if !api.merge_definitions => {
                    api.notes.push(format!(
                        "{}: not a route of {}: SAM adds no event to a DefinitionBody without \
                         MergeDefinitions (it only lets the API invoke the function)",
                        event.origin, api.id
                    ));
                    continue;
                }
                // SAM merges the operation it generates over the definition's, key by key: the
                // definition's request body and validator stay.
                ApiKind::Rest => {
                    if let Some(at) = api.routes.iter().position(same) {
                        validation = api.routes.remove(at).validation;
                    }
                }
                ApiKind::Http if api.routes.iter().any(same) => continue,
                ApiKind::Http => {
                    let operation = open.iter().position(|operation| {
                        (
                            key_method(operation.method.as_deref()),
                            operation.path.clone(),
                        ) == key
                    });
                    if let Some(operation) = operation.map(|at| open.remove(at))
                        && auth.authorizer.is_none()
                    {
                        auth = operation.auth;
                    }
                }
            }
        }
        let auth = auth
            .resolve(&api.auth)
            .with_context(|| format!("in {}", event.origin))?;
        api.routes.push(Route {
            method: event.method,
            path: event.path,
            function: event.function,
            payload: event.payload,
            auth,
            invoke_mode: event.invoke_mode,
            validation,
            defined_by: DefinedBy::Event,
            origin: event.origin,
        });
    }
    Ok(())
}

/// A route's method as SAM compares them: in capitals, `None` for every method.
fn key_method(method: Option<&str>) -> Option<String> {
    match method {
        None => None,
        Some(method) if method.eq_ignore_ascii_case("ANY") || method == ANY_METHOD => None,
        Some(method) => Some(method.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::serve::template::{DefinedBy, Template};

    /// A REST API whose definition validates `POST /users`, invoking `Defined`, and an event of
    /// `Eventful` on the same route and on another; `MergeDefinitions` as given.
    fn template(merge: bool) -> Template {
        let text = format!(
            r#"
Resources:
  Users:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MergeDefinitions: {merge}
      DefinitionBody:
        openapi: 3.0.1
        x-amazon-apigateway-request-validators: {{ body: {{ validateRequestBody: true }} }}
        paths:
          /users:
            post:
              x-amazon-apigateway-request-validator: body
              requestBody:
                content: {{ application/json: {{ schema: {{ required: [email] }} }} }}
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{Defined.Arn}}/invocations
  Defined:
    Type: AWS::Serverless::Function
  Eventful:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Same: {{ Type: Api, Properties: {{ RestApiId: !Ref Users, Path: /users, Method: post }} }}
        Other: {{ Type: Api, Properties: {{ RestApiId: !Ref Users, Path: /other, Method: get }} }}
"#
        );
        Template::parse(&text, PathBuf::from("."), &[], "us-east-1").unwrap()
    }

    #[test]
    fn without_merge_definitions_the_definition_is_the_routes() {
        let template = template(false);
        let api = template.api("Users").unwrap();
        let routes: Vec<(&str, &str)> = api
            .routes
            .iter()
            .map(|route| (route.path.as_deref().unwrap(), route.function.as_str()))
            .collect();
        assert_eq!(routes, [("/users", "Defined")]);
        assert!(api.routes[0].validation.is_some());
        // The event on the definition's route only grants the API the right to invoke; the
        // other is said at start.
        assert_eq!(api.notes.len(), 1, "{:?}", api.notes);
        assert!(api.notes[0].contains("Other"), "{:?}", api.notes);
    }

    #[test]
    fn with_merge_definitions_an_event_takes_its_operations_route_and_keeps_its_validator() {
        let template = template(true);
        let api = template.api("Users").unwrap();
        let users = api
            .routes
            .iter()
            .find(|route| route.path.as_deref() == Some("/users"))
            .unwrap();
        assert_eq!(users.function, "Eventful");
        assert_eq!(users.defined_by, DefinedBy::Event);
        assert!(
            users.validation.is_some(),
            "the definition's validator stays"
        );
        assert_eq!(api.routes.len(), 2);
        assert!(api.notes.is_empty(), "{:?}", api.notes);
    }
}
