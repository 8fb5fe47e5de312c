//! CORS as API Gateway does it for a SAM template: a REST API's `Cors` (SAM answers preflights
//! with a mock `OPTIONS` method) and an HTTP API's `CorsConfiguration` (API Gateway answers
//! preflights and adds CORS headers to the function's responses).

use anyhow::{Context as _, bail};
use serde_json::Value;

/// The methods SAM allows in a REST API preflight when `Cors` names none (those of `ANY`).
const ALL_METHODS: &str = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT";

/// One API's CORS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    origins: Origins,
    methods: Option<String>,
    headers: Option<String>,
    expose_headers: Option<String>,
    max_age: Option<String>,
    credentials: bool,
}

/// Which origin a response names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origins {
    /// REST API: the one value of `AllowOrigin`, whatever the request's origin.
    Fixed(String),
    /// HTTP API: the request's origin when it is listed, `*` when `*` is.
    Listed(Vec<String>),
}

impl Cors {
    /// A REST API's SAM `Cors`: a quoted origin (`"'*'"`), or a map of `AllowOrigin`,
    /// `AllowMethods`, `AllowHeaders`, `MaxAge` (quoted, as SAM passes them to API Gateway
    /// as header mapping values) and `AllowCredentials`. `None` without one.
    pub fn from_rest_api(cors: &Value) -> anyhow::Result<Option<Self>> {
        if cors.is_null() {
            return Ok(None);
        }
        if let Some(origin) = cors.as_str() {
            return Ok(Some(Self::rest(unquote(origin))));
        }
        let Some(origin) = cors["AllowOrigin"].as_str() else {
            bail!("Cors needs AllowOrigin");
        };
        let quoted = |key: &str| cors[key].as_str().map(|value| unquote(value).to_owned());
        Ok(Some(Self {
            methods: quoted("AllowMethods").or_else(|| Some(ALL_METHODS.to_owned())),
            headers: quoted("AllowHeaders"),
            max_age: quoted("MaxAge").or_else(|| cors["MaxAge"].as_i64().map(|n| n.to_string())),
            credentials: cors["AllowCredentials"].as_bool().unwrap_or(false),
            ..Self::rest(unquote(origin))
        }))
    }

    /// An HTTP API's `CorsConfiguration`: `true` (every origin, method and header), or a map of
    /// lists `AllowOrigins`, `AllowMethods`, `AllowHeaders`, `ExposeHeaders`, with `MaxAge` and
    /// `AllowCredentials`. `None` without one, or for `false`.
    pub fn from_http_api(cors: &Value) -> anyhow::Result<Option<Self>> {
        if cors.is_null() || cors.as_bool() == Some(false) {
            return Ok(None);
        }
        if cors.as_bool() == Some(true) {
            return Ok(Some(Self {
                origins: Origins::Listed(vec!["*".to_owned()]),
                methods: Some("*".to_owned()),
                headers: Some("*".to_owned()),
                expose_headers: None,
                max_age: None,
                credentials: false,
            }));
        }
        let list = |key: &str| -> anyhow::Result<Option<Vec<String>>> {
            match &cors[key] {
                Value::Null => Ok(None),
                Value::Array(items) => items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(Some)
                    .with_context(|| format!("CorsConfiguration.{key} is not a list of strings")),
                _ => bail!("CorsConfiguration.{key} is not a list"),
            }
        };
        Ok(Some(Self {
            origins: Origins::Listed(list("AllowOrigins")?.unwrap_or_default()),
            methods: list("AllowMethods")?.map(|list| list.join(",")),
            headers: list("AllowHeaders")?.map(|list| list.join(",")),
            expose_headers: list("ExposeHeaders")?.map(|list| list.join(",")),
            max_age: cors["MaxAge"].as_i64().map(|n| n.to_string()),
            credentials: cors["AllowCredentials"].as_bool().unwrap_or(false),
        }))
    }

    fn rest(origin: &str) -> Self {
        Self {
            origins: Origins::Fixed(origin.to_owned()),
            methods: Some(ALL_METHODS.to_owned()),
            headers: None,
            expose_headers: None,
            max_age: None,
            credentials: false,
        }
    }

    /// The headers of the answer to a preflight from `origin`: none when an HTTP API does not
    /// allow that origin.
    pub fn preflight_headers(&self, origin: Option<&str>) -> Vec<(String, String)> {
        let Some(allowed) = self.allowed_origin(origin) else {
            return Vec::new();
        };
        let mut headers = vec![("access-control-allow-origin".to_owned(), allowed)];
        let optional = [
            ("access-control-allow-methods", &self.methods),
            ("access-control-allow-headers", &self.headers),
            ("access-control-max-age", &self.max_age),
        ];
        headers.extend(
            optional
                .into_iter()
                .filter_map(|(name, value)| Some((name.to_owned(), value.clone()?))),
        );
        headers.extend(self.credentials_header());
        headers
    }

    /// The headers an HTTP API adds to the function's response to a request from `origin`.
    pub fn response_headers(&self, origin: Option<&str>) -> Vec<(String, String)> {
        let Some(allowed) = self.allowed_origin(origin) else {
            return Vec::new();
        };
        let mut headers = vec![("access-control-allow-origin".to_owned(), allowed)];
        if let Some(expose) = &self.expose_headers {
            headers.push(("access-control-expose-headers".to_owned(), expose.clone()));
        }
        headers.extend(self.credentials_header());
        headers
    }

    fn credentials_header(&self) -> Option<(String, String)> {
        self.credentials.then(|| {
            (
                "access-control-allow-credentials".to_owned(),
                "true".to_owned(),
            )
        })
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if any.
    fn allowed_origin(&self, origin: Option<&str>) -> Option<String> {
        match &self.origins {
            Origins::Fixed(value) => Some(value.clone()),
            Origins::Listed(listed) => {
                if listed.iter().any(|allowed| allowed == "*") {
                    return Some("*".to_owned());
                }
                // Origins are compared whole; API Gateway's `https://*.example.com` wildcards
                // are not emulated.
                let origin = origin?;
                listed
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(origin))
                    .then(|| origin.to_owned())
            }
        }
    }
}

/// `'*'` as SAM writes a REST API's CORS values (API Gateway mapping expressions): `*`.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('\'')
        .and_then(|inner| inner.strip_suffix('\''))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::template::yaml::load;

    fn yaml(text: &str) -> Value {
        load(text).unwrap()
    }

    fn names(headers: &[(String, String)]) -> Vec<&str> {
        headers.iter().map(|(name, _)| name.as_str()).collect()
    }

    #[test]
    fn a_rest_api_preflight_sends_the_configured_values_unquoted() {
        let cors = Cors::from_rest_api(&yaml(
            "AllowMethods: \"'GET,POST'\"\nAllowHeaders: \"'Content-Type'\"\nAllowOrigin: \"'*'\"\nMaxAge: \"'600'\"",
        ))
        .unwrap()
        .unwrap();
        let headers = cors.preflight_headers(None);
        assert_eq!(
            headers,
            [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "GET,POST"),
                ("access-control-allow-headers", "Content-Type"),
                ("access-control-max-age", "600"),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn a_rest_api_origin_alone_allows_every_method_whatever_the_request_origin() {
        let cors = Cors::from_rest_api(&yaml("\"'https://app.example.com'\""))
            .unwrap()
            .unwrap();
        let headers = cors.preflight_headers(Some("https://other.example.com"));
        assert_eq!(headers[0].1, "https://app.example.com");
        assert_eq!(headers[1].1, ALL_METHODS);
        assert!(Cors::from_rest_api(&yaml("~")).unwrap().is_none());
        assert!(Cors::from_rest_api(&yaml("AllowMethods: \"'GET'\"")).is_err());
    }

    #[test]
    fn an_http_api_names_the_request_origin_only_when_it_is_allowed() {
        let cors = Cors::from_http_api(&yaml(
            "AllowOrigins: [https://app.example.com]\nAllowMethods: [GET, POST]\nExposeHeaders: [x-total]\nMaxAge: 300\nAllowCredentials: true",
        ))
        .unwrap()
        .unwrap();
        let allowed = cors.preflight_headers(Some("https://app.example.com"));
        assert_eq!(allowed[0].1, "https://app.example.com");
        assert_eq!(
            names(&allowed),
            [
                "access-control-allow-origin",
                "access-control-allow-methods",
                "access-control-max-age",
                "access-control-allow-credentials"
            ]
        );
        assert!(
            cors.preflight_headers(Some("https://evil.example"))
                .is_empty()
        );
        assert!(cors.preflight_headers(None).is_empty());
        assert_eq!(
            names(&cors.response_headers(Some("https://app.example.com"))),
            [
                "access-control-allow-origin",
                "access-control-expose-headers",
                "access-control-allow-credentials"
            ]
        );
        assert!(
            cors.response_headers(Some("https://evil.example"))
                .is_empty()
        );
    }

    #[test]
    fn an_http_api_cors_of_true_allows_everything_and_false_nothing() {
        let cors = Cors::from_http_api(&yaml("true")).unwrap().unwrap();
        assert_eq!(cors.response_headers(None)[0].1, "*");
        assert!(Cors::from_http_api(&yaml("false")).unwrap().is_none());
        assert!(Cors::from_http_api(&yaml("AllowOrigins: https://a")).is_err());
    }
}
