//! The APIs of a SAM template: SAM's implicit REST API (`ServerlessRestApi`) and HTTP API
//! (`ServerlessHttpApi`), and each `AWS::Serverless::Api` and `AWS::Serverless::HttpApi`, with
//! their stage, CORS, binary media types and `Auth`, each from the API's own properties or else
//! the template's `Globals`.

use std::sync::Arc;

use anyhow::Context as _;
use serde_json::Value;

use super::Route;
use super::auth::ApiAuth;
use super::intrinsics::Scope;
use crate::serve::api_kind::ApiKind;
use crate::serve::binary::BinaryMediaTypes;
use crate::serve::cors::Cors;

/// What one API does besides routing and authorizing.
#[derive(Debug, Default)]
pub struct ApiSettings {
    /// Its CORS configuration, if any.
    pub cors: Option<Cors>,
    /// How it carries bodies that are not text.
    pub binary: BinaryMediaTypes,
}

/// One API of the template, with its routes.
#[derive(Debug)]
pub struct Api {
    /// Its logical id (`ServerlessRestApi`, `ServerlessHttpApi` for the implicit ones).
    pub id: String,
    /// REST or HTTP.
    pub kind: ApiKind,
    /// The stage its events name.
    pub stage: String,
    /// CORS and binary media types.
    pub settings: Arc<ApiSettings>,
    /// Its authorizers and default authorizer.
    pub auth: ApiAuth,
    /// Whether it has a `DefinitionBody` or `DefinitionUri` (an OpenAPI document).
    pub has_definition: bool,
    /// Its routes: its functions' events put them there.
    pub routes: Vec<Route>,
}

impl ApiKind {
    /// SAM's logical id for the API it creates for events that name none.
    pub fn implicit_api_id(self) -> &'static str {
        match self {
            ApiKind::Rest => "ServerlessRestApi",
            ApiKind::Http => "ServerlessHttpApi",
        }
    }
}

/// The APIs of `kind` in `template`: the implicit one first, then those declared.
pub fn read(template: &Value, kind: ApiKind, scope: &Scope) -> anyhow::Result<Vec<Api>> {
    let globals = scope
        .resolve(&template["Globals"][kind.sam_event_type()])
        .context("in Globals")?
        .unwrap_or(Value::Null);
    let mut apis = vec![
        api(kind.implicit_api_id(), kind, &globals, &Value::Null, scope).context("in Globals")?,
    ];
    for (id, resource) in template["Resources"].as_object().into_iter().flatten() {
        if resource["Type"].as_str() != Some(kind.sam_api_resource_type()) {
            continue;
        }
        let properties = scope
            .resolve(&resource["Properties"])
            .with_context(|| format!("in {id}"))?
            .unwrap_or(Value::Null);
        apis.push(api(id, kind, &globals, &properties, scope).with_context(|| format!("in {id}"))?);
    }
    Ok(apis)
}

/// One API: its own `properties`, each falling back to `globals`.
fn api(
    id: &str,
    kind: ApiKind,
    globals: &Value,
    properties: &Value,
    scope: &Scope,
) -> anyhow::Result<Api> {
    let property = |key: &str| match &properties[key] {
        Value::Null => &globals[key],
        own => own,
    };
    let settings = match kind {
        ApiKind::Rest => ApiSettings {
            cors: Cors::from_rest_api(property("Cors"))?,
            binary: BinaryMediaTypes::from_template(property("BinaryMediaTypes"))?,
        },
        // HTTP APIs have no binary media types: they tell binary bodies apart themselves.
        ApiKind::Http => ApiSettings {
            cors: Cors::from_http_api(property("CorsConfiguration"))?,
            binary: BinaryMediaTypes::Detect,
        },
    };
    let stage = match property("StageName") {
        Value::String(stage) if !stage.is_empty() => stage.clone(),
        _ => kind.default_stage().to_owned(),
    };
    // The properties are resolved already: reading them again through the scope changes nothing.
    let auth = ApiAuth::read(property("Auth"), kind, scope).context("in Auth")?;
    Ok(Api {
        id: id.to_owned(),
        kind,
        stage,
        settings: Arc::new(settings),
        auth,
        has_definition: !properties["DefinitionBody"].is_null()
            || !properties["DefinitionUri"].is_null(),
        routes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::template::yaml;

    const TEMPLATE: &str = r#"
Globals:
  Api:
    BinaryMediaTypes: ["*~1*"]
  HttpApi:
    CorsConfiguration:
      AllowOrigins: ["https://app.example.com"]
Resources:
  UsersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'*'"
"#;

    fn apis(kind: ApiKind) -> Vec<Api> {
        let template = yaml::load(TEMPLATE).unwrap();
        let scope = Scope::new(&template, &[], "us-east-1").unwrap();
        read(&template, kind, &scope).unwrap()
    }

    #[test]
    fn a_declared_api_has_its_own_settings_and_the_globals_it_does_not_override() {
        let apis = apis(ApiKind::Rest);
        let (implicit, users) = (&apis[0], &apis[1]);
        assert_eq!(implicit.id, "ServerlessRestApi");
        assert_eq!(implicit.stage, "Prod");
        assert!(implicit.settings.cors.is_none());
        assert_eq!(
            implicit.settings.binary,
            BinaryMediaTypes::Listed(vec!["*/*".into()])
        );
        assert_eq!(
            (users.id.as_str(), users.stage.as_str()),
            ("UsersApi", "prod")
        );
        assert!(users.settings.cors.is_some());
        assert_eq!(
            users.settings.binary,
            BinaryMediaTypes::Listed(vec!["*/*".into()])
        );
    }

    #[test]
    fn http_apis_read_their_own_globals_and_detect_binary_bodies() {
        let apis = apis(ApiKind::Http);
        assert_eq!(apis.len(), 1);
        assert_eq!(apis[0].stage, "$default");
        assert!(apis[0].settings.cors.is_some());
        assert_eq!(apis[0].settings.binary, BinaryMediaTypes::Detect);
    }
}
