//! The routed path and path parameters the contract promises, whatever the front end sent.
//!
//! The rule (see `path` in `wit/proxy.wit`): `path` is the path the route matched, without the
//! stage or a custom domain's base path, percent-decoded except a `/` or `%` that is data
//! (`%2F`, `%25`); path parameters are fully decoded. Front ends differ in what they send:
//! REST APIs and ALBs send the path percent-encoded, HTTP APIs decode it (and the parameters),
//! Function URLs send both forms. Each translation says which form it has, and this file makes
//! the contract's form from it.

use lambda_wasm_routes::Pattern;
use lambda_wasm_routes::encoding::{decode_fully, decode_path, escape_decoded};

/// How a front end sent a path and its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Percent-encoded as on the wire: REST API `path` and `pathParameters`, ALB `path`, a
    /// Function URL's `rawPath`.
    Encoded,
    /// Already percent-decoded: HTTP API `rawPath`, `requestContext.http.path` and
    /// `pathParameters` (API Gateway "decodes URL-encoded request parameters").
    Decoded,
}

/// The contract's `path` and `path-parameters` for one request.
#[derive(Debug, PartialEq, Eq)]
pub struct Routed {
    /// The routed path in the contract's form.
    pub path: String,
    /// The path parameters, decoded.
    pub parameters: Vec<(String, String)>,
}

/// The routed path of a request whose route is `template` (`/pets/{id}`, a REST `resource` or
/// the path of an HTTP API route key; `None` or `$default` when there is none) and whose
/// `parameters` and `received` path (stage prefix removed, base path possibly still in it)
/// came in the `sent` form.
///
/// API Gateway strips a custom domain's base path before routing but leaves it in the event's
/// path, so the path is rebuilt from the template and the parameters. It is trusted only when
/// its segments are the last segments of `received`; otherwise (parameters missing, or not
/// those of the path) the received path is used as it is.
pub fn routed(
    template: Option<&str>,
    parameters: Vec<(String, String)>,
    received: &str,
    sent: Sent,
) -> Routed {
    let path = template
        .and_then(|template| Pattern::parse(template).ok())
        .and_then(|pattern| from_template(&pattern, &parameters, received, sent))
        .unwrap_or_else(|| in_contract_form(received, sent));
    let parameters = parameters
        .into_iter()
        .map(|(name, value)| match sent {
            Sent::Encoded => {
                let decoded = decode_fully(&value);
                (name, decoded.unwrap_or(value))
            }
            Sent::Decoded => (name, value),
        })
        .collect();
    Routed { path, parameters }
}

/// The routed path of an HTTP API request (either payload format): its `received` path and
/// `parameters` come decoded, a named `stage` may lead the path, and its route is a route key
/// (`GET /pets/{id}`, `ANY /{proxy+}`, `$default`) or, in payload format 1.0 without one, the
/// route's path.
pub fn http_api(
    route_key: Option<&str>,
    parameters: Vec<(String, String)>,
    received: &str,
    stage: Option<&str>,
) -> Routed {
    let template = route_key.map(|key| key.split_once(' ').map_or(key, |(_, path)| path));
    routed(
        template,
        parameters,
        strip_stage(received, stage),
        Sent::Decoded,
    )
}

/// HTTP APIs keep a named stage in the path (`/Prod/users` on stage `Prod`); routes and
/// handlers see the path without it. `$default` is never in the path.
pub fn strip_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != "$default") else {
        return path;
    };
    match path
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(stage))
    {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

/// The path `pattern` stands for with `parameters`, if it ends `received`.
fn from_template(
    pattern: &Pattern,
    parameters: &[(String, String)],
    received: &str,
    sent: Sent,
) -> Option<String> {
    let value = |name: &str| {
        parameters
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let plain = pattern.expand(|name, _| value(name).map(str::to_owned))?;
    if !ends_with_segments(received, &plain, sent) {
        return None;
    }
    pattern.expand(|name, greedy| {
        let value = value(name)?;
        match sent {
            Sent::Encoded => decode_path(value),
            Sent::Decoded => Some(escape_decoded(value, greedy)),
        }
    })
}

/// Whether the non-empty segments of `tail` are the last ones of `path`, compared decoded.
fn ends_with_segments(path: &str, tail: &str, sent: Sent) -> bool {
    let segments = |text| text_segments(text, sent);
    let (path, tail): (Vec<_>, Vec<_>) = (segments(path), segments(tail));
    path.len() >= tail.len() && path[path.len() - tail.len()..] == tail[..]
}

fn text_segments(text: &str, sent: Sent) -> Vec<String> {
    text.split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match sent {
            Sent::Encoded => decode_fully(segment).unwrap_or_else(|| segment.to_owned()),
            Sent::Decoded => segment.to_owned(),
        })
        .collect()
}

/// `received` in the contract's form; a path whose decoded bytes are not UTF-8 stays as it
/// was received rather than losing bytes to replacement characters.
fn in_contract_form(received: &str, sent: Sent) -> String {
    match sent {
        Sent::Encoded => decode_path(received).unwrap_or_else(|| received.to_owned()),
        Sent::Decoded => escape_decoded(received, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn path(template: &str, params: &[(&str, &str)], received: &str, sent: Sent) -> String {
        routed(Some(template), pairs(params), received, sent).path
    }

    #[test]
    fn strips_a_named_stage_prefix_only() {
        assert_eq!(strip_stage("/Prod/my/path", Some("Prod")), "/my/path");
        assert_eq!(strip_stage("/Prod", Some("Prod")), "/");
        assert_eq!(strip_stage("/Production/x", Some("Prod")), "/Production/x");
        assert_eq!(strip_stage("/my/path", Some("$default")), "/my/path");
        assert_eq!(strip_stage("/$default/x", Some("$default")), "/$default/x");
        assert_eq!(strip_stage("/my/path", None), "/my/path");
    }

    #[test]
    fn a_base_path_of_any_depth_is_left_out() {
        for received in ["/pets/42", "/petstore/pets/42", "/v1/petstore/pets/42"] {
            let got = path("/pets/{id}", &[("id", "42")], received, Sent::Encoded);
            assert_eq!(got, "/pets/42", "{received}");
        }
        let got = path("/{proxy+}", &[("proxy", "a/b")], "/base/a/b", Sent::Encoded);
        assert_eq!(got, "/a/b");
        assert_eq!(path("/", &[], "/petstore", Sent::Encoded), "/");
    }

    #[test]
    fn missing_or_inconsistent_parameters_fall_back_to_the_received_path() {
        let cases = [
            ("/pets/{id}", vec![], "/base/pets/42"),
            ("/pets/{id}", vec![("id", "7")], "/base/pets/42"),
            ("/pets/{id}", vec![("other", "42")], "/base/pets/42"),
            ("$default", vec![], "/base/pets/42"),
            ("/cats/{id}", vec![("id", "42")], "/base/pets/42"),
        ];
        for (template, params, received) in cases {
            let got = path(template, &params, received, Sent::Encoded);
            assert_eq!(got, "/base/pets/42", "{template} {params:?}");
        }
        let none = routed(None, Vec::new(), "/a%20b", Sent::Encoded);
        assert_eq!(none.path, "/a b");
    }

    #[test]
    fn encoded_input_is_decoded_but_data_slashes_stay_one_segment() {
        let routed = routed(
            Some("/files/{name}"),
            pairs(&[("name", "a%2Fb%20c%C3%A9")]),
            "/files/a%2Fb%20c%C3%A9",
            Sent::Encoded,
        );
        assert_eq!(routed.path, "/files/a%2Fb cé");
        assert_eq!(routed.parameters, pairs(&[("name", "a/b cé")]));
    }

    #[test]
    fn decoded_input_is_escaped_so_the_route_keeps_its_segments() {
        let routed = routed(
            Some("/files/{name}"),
            pairs(&[("name", "a/b 100%")]),
            "/files/a/b 100%",
            Sent::Decoded,
        );
        assert_eq!(routed.path, "/files/a%2Fb 100%25");
        assert_eq!(routed.parameters, pairs(&[("name", "a/b 100%")]));
        let greedy = path("/{proxy+}", &[("proxy", "a/b")], "/a/b", Sent::Decoded);
        assert_eq!(greedy, "/a/b");
    }

    #[test]
    fn undecodable_input_is_kept_as_received() {
        let routed = routed(
            Some("/files/{name}"),
            pairs(&[("name", "%FF%")]),
            "/files/%FF%",
            Sent::Encoded,
        );
        assert_eq!(routed.path, "/files/%FF%");
        assert_eq!(routed.parameters, pairs(&[("name", "%FF%")]));
    }
}
