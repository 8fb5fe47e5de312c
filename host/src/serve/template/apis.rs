//! The API-wide settings of a SAM template that `serve` follows: each API's CORS and binary media
//! types, from its own properties or else the template's `Globals`.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use yaml_rust2::Yaml;

use crate::serve::api_kind::ApiKind;
use crate::serve::binary::BinaryMediaTypes;
use crate::serve::cors::Cors;

/// What one API does besides routing.
#[derive(Debug, Default)]
pub struct ApiSettings {
    /// Its CORS configuration, if any.
    pub cors: Option<Cors>,
    /// How it carries bodies that are not text.
    pub binary: BinaryMediaTypes,
}

/// The APIs of a template: SAM's implicit one and those it declares as resources.
#[derive(Debug)]
pub(super) struct TemplateApis {
    implicit: Arc<ApiSettings>,
    declared: HashMap<String, Arc<ApiSettings>>,
}

impl TemplateApis {
    /// The `Api` (for `V1`) or `HttpApi` (for `V2`) settings of a template.
    pub fn read(template: &Yaml, payload: ApiKind) -> anyhow::Result<Self> {
        let globals = &template["Globals"][payload.sam_event_type()];
        let implicit = Arc::new(settings(globals, &Yaml::BadValue, payload).context("in Globals")?);
        let mut declared = HashMap::new();
        for (name, resource) in template["Resources"].as_hash().into_iter().flatten() {
            let (Some(name), Some(kind)) = (name.as_str(), resource["Type"].as_str()) else {
                continue;
            };
            if kind == payload.sam_api_resource_type() {
                let api = settings(globals, &resource["Properties"], payload)
                    .with_context(|| format!("in {name}"))?;
                declared.insert(name.to_owned(), Arc::new(api));
            }
        }
        Ok(Self { implicit, declared })
    }

    /// The API an event's properties attach it to: the one its `RestApiId` or `ApiId` names,
    /// else the implicit API.
    pub fn of_event(&self, properties: &Yaml, payload: ApiKind) -> Arc<ApiSettings> {
        properties[payload.sam_api_id_property()]
            .as_str()
            .and_then(|name| self.declared.get(name))
            .unwrap_or(&self.implicit)
            .clone()
    }
}

/// One API's settings: its own `properties`, each falling back to `globals`.
fn settings(globals: &Yaml, properties: &Yaml, payload: ApiKind) -> anyhow::Result<ApiSettings> {
    let property = |key: &str| match &properties[key] {
        Yaml::BadValue => &globals[key],
        own => own,
    };
    Ok(match payload {
        ApiKind::Rest => ApiSettings {
            cors: Cors::from_rest_api(property("Cors"))?,
            binary: BinaryMediaTypes::from_template(property("BinaryMediaTypes"))?,
        },
        // HTTP APIs have no binary media types: they tell binary bodies apart themselves.
        ApiKind::Http => ApiSettings {
            cors: Cors::from_http_api(property("CorsConfiguration"))?,
            binary: BinaryMediaTypes::Detect,
        },
    })
}

#[cfg(test)]
mod tests {
    use yaml_rust2::YamlLoader;

    use super::*;

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
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Users: { Type: Api, Properties: { Path: /users, Method: get, RestApiId: !Ref UsersApi } }
        Hello: { Type: Api, Properties: { Path: /hello, Method: get } }
"#;

    fn apis(payload: ApiKind) -> TemplateApis {
        let template = YamlLoader::load_from_str(TEMPLATE).unwrap().remove(0);
        TemplateApis::read(&template, payload).unwrap()
    }

    fn event(text: &str) -> Yaml {
        YamlLoader::load_from_str(text).unwrap().remove(0)
    }

    #[test]
    fn a_declared_api_has_its_own_settings_and_the_globals_it_does_not_override() {
        let apis = apis(ApiKind::Rest);
        let users = apis.of_event(&event("RestApiId: !Ref UsersApi"), ApiKind::Rest);
        assert!(users.cors.is_some());
        assert_eq!(users.binary, BinaryMediaTypes::Listed(vec!["*/*".into()]));
        let implicit = apis.of_event(&event("Path: /hello"), ApiKind::Rest);
        assert!(implicit.cors.is_none());
        assert_eq!(
            implicit.binary,
            BinaryMediaTypes::Listed(vec!["*/*".into()])
        );
    }

    #[test]
    fn http_apis_read_their_own_globals_and_detect_binary_bodies() {
        let apis = apis(ApiKind::Http);
        let implicit = apis.of_event(&event("Path: /x"), ApiKind::Http);
        assert!(implicit.cors.is_some());
        assert_eq!(implicit.binary, BinaryMediaTypes::Detect);
    }
}
