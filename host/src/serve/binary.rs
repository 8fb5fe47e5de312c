//! A REST API's binary media types: which request bodies API Gateway sends the function
//! base64-encoded, and which base64 response bodies it decodes back to bytes.

use anyhow::Context as _;
use mime::Mime;
use serde_json::Value;

/// How an API carries bodies that are not text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BinaryMediaTypes {
    /// No template, or an HTTP API: a request body that is not UTF-8 goes base64-encoded, and
    /// every base64 response body is decoded.
    #[default]
    Detect,
    /// A REST API's `BinaryMediaTypes` (maybe none): only these content types are binary.
    Listed(Vec<String>),
}

impl BinaryMediaTypes {
    /// A SAM `BinaryMediaTypes` list, with SAM's `~1` for `/` (`image~1png`); absent, none.
    pub fn from_template(types: &Value) -> anyhow::Result<Self> {
        let Some(items) = types.as_array() else {
            anyhow::ensure!(types.is_null(), "BinaryMediaTypes is not a list");
            return Ok(Self::Listed(Vec::new()));
        };
        let listed = items
            .iter()
            .map(|item| item.as_str().map(|text| text.replace("~1", "/")))
            .collect::<Option<Vec<_>>>()
            .context("BinaryMediaTypes is not a list of strings")?;
        for media_type in &listed {
            media_type
                .parse::<Mime>()
                .with_context(|| format!("BinaryMediaTypes: {media_type:?} is not a media type"))?;
        }
        Ok(Self::Listed(listed))
    }

    /// Whether a request body with this `Content-Type` goes to the function base64-encoded.
    pub fn encode_request(&self, content_type: Option<&str>, body: &[u8]) -> bool {
        match self {
            Self::Detect => std::str::from_utf8(body).is_err(),
            Self::Listed(listed) => content_type.is_some_and(|value| matches(listed, value)),
        }
    }

    /// Whether a base64 response body is decoded for a request with this `Accept`. API Gateway
    /// looks at the first media type of `Accept` only; without one, it is `*/*`.
    pub fn decode_response(&self, accept: Option<&str>) -> bool {
        match self {
            Self::Detect => true,
            Self::Listed(listed) => {
                let first = accept.and_then(|value| value.split(',').next());
                matches(listed, first.unwrap_or("*/*"))
            }
        }
    }
}

/// Whether `media_type` (a header value, parameters allowed) is one of `listed`, which may hold
/// `type/*` and `*/*`; `*/*` takes anything, even what is not a media type.
fn matches(listed: &[String], media_type: &str) -> bool {
    let media_type = media_type.trim().parse::<Mime>().ok();
    listed
        .iter()
        .filter_map(|pattern| pattern.parse::<Mime>().ok())
        .any(|pattern| {
            let (kind, subtype) = (pattern.type_(), pattern.subtype());
            if kind == mime::STAR && subtype == mime::STAR {
                return true;
            }
            media_type.as_ref().is_some_and(|media_type| {
                kind == media_type.type_()
                    && (subtype == mime::STAR || subtype == media_type.subtype())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::template::yaml::load;

    fn listed(text: &str) -> BinaryMediaTypes {
        BinaryMediaTypes::from_template(&load(text).unwrap()).unwrap()
    }

    #[test]
    fn sam_escapes_are_read_and_wildcards_match() {
        let types = listed("['image~1png', 'audio~1*']");
        assert_eq!(
            types,
            BinaryMediaTypes::Listed(vec!["image/png".into(), "audio/*".into()])
        );
        assert!(types.encode_request(Some("image/png"), b"text"));
        assert!(types.encode_request(Some("Audio/Ogg; codecs=opus"), b""));
        assert!(!types.encode_request(Some("application/octet-stream"), &[0xff]));
        assert!(!types.encode_request(None, &[0xff]));
    }

    #[test]
    fn a_response_is_decoded_when_the_first_accepted_type_is_binary() {
        let types = listed("['image~1png']");
        assert!(types.decode_response(Some("image/png")));
        assert!(types.decode_response(Some("image/png;q=0.9, text/html")));
        assert!(!types.decode_response(Some("text/html, image/png")));
        assert!(!types.decode_response(None));
        let everything = listed("['*~1*']");
        assert!(everything.decode_response(None));
        assert!(everything.decode_response(Some("text/html")));
        assert!(everything.encode_request(Some("application/json"), b"{}"));
    }

    #[test]
    fn without_a_template_bodies_are_told_apart_by_their_bytes() {
        let detect = BinaryMediaTypes::Detect;
        assert!(detect.encode_request(Some("text/plain"), &[0xff]));
        assert!(!detect.encode_request(Some("image/png"), b"text"));
        assert!(detect.decode_response(Some("text/html")));
    }

    #[test]
    fn an_entry_that_is_not_a_media_type_is_an_error_naming_it() {
        let error = BinaryMediaTypes::from_template(&load("['png']").unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("\"png\""), "{error}");
    }

    #[test]
    fn no_binary_media_types_is_an_empty_list_and_a_scalar_an_error() {
        assert_eq!(
            BinaryMediaTypes::from_template(&Value::Null).unwrap(),
            BinaryMediaTypes::Listed(Vec::new())
        );
        let scalar = load("image~1png").unwrap();
        assert!(BinaryMediaTypes::from_template(&scalar).is_err());
    }
}
