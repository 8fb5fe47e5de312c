//! The contract's path encoding: a routed `path` is percent-decoded, except that a `/` or a `%`
//! that is data rather than structure stays encoded (`%2F`, `%25`), so the path keeps the
//! segments API Gateway matched its route on, and a path parameter is fully decoded. Also the
//! way back to the wire: a decoded path percent-encoded into one a URI can hold.
//!
//! API Gateway matches routes on the path as the client encoded it: `/files/a%2Fb` is one
//! segment there, and decoding it to `/files/a/b` would let a router pick a route API Gateway
//! would not. Keeping `%25` encoded too makes the rule reversible: a literal `%2F` typed by the
//! client (`%252F` on the wire) never reads as an encoded slash.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString as _};
use alloc::vec::Vec;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The bytes [`encode_path`] encodes: all but a URI path's own characters (RFC 3986: the
/// unreserved ones, the sub-delimiters, `:`, `@` and `/`), and `%`, which is already an escape.
const NOT_IN_A_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'%');

/// Decodes a path as it travels on the wire into the contract's form: every `%XX` decoded but
/// `%2F` and `%25` (kept, in upper case), and a `%` not followed by two hex digits read as a
/// literal `%` (so written `%25`). `None` when the decoded bytes are not UTF-8.
///
/// ```
/// use lambda_wasm_routes::encoding::decode_path;
///
/// assert_eq!(decode_path("/two%20words/%C3%A9").as_deref(), Some("/two words/é"));
/// assert_eq!(decode_path("/files/a%2fb/100%").as_deref(), Some("/files/a%2Fb/100%25"));
/// assert_eq!(decode_path("/bad/%FF"), None);
/// ```
pub fn decode_path(wire: &str) -> Option<String> {
    // A segment at a time, split on the wire's own slashes: a `/` or `%` in a segment's decoded
    // text is data, and goes back to its escape. A UTF-8 sequence never spans a `/`, so checking
    // each segment checks the whole.
    let segments = wire
        .split('/')
        .map(|segment| Some(escape_decoded(&decode_fully(segment)?, false)));
    Some(segments.collect::<Option<Vec<_>>>()?.join("/"))
}

/// Decodes every `%XX` of `wire`, `%2F` included; a `%` not followed by two hex digits is no
/// escape and stays as it is, a literal `%` (as `percent-encoding` reads it). `None` when the
/// decoded bytes are not UTF-8.
///
/// ```
/// use lambda_wasm_routes::encoding::decode_fully;
///
/// assert_eq!(decode_fully("a%2Fb%20c%").as_deref(), Some("a/b c%"));
/// ```
pub fn decode_fully(wire: &str) -> Option<String> {
    percent_decode_str(wire)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// Writes text that a front end already decoded in the contract's form: `%` as `%25`, and a
/// `/` as `%2F` unless `keep_slashes` (a greedy `{proxy+}` value, whose slashes are segments).
///
/// ```
/// use lambda_wasm_routes::encoding::escape_decoded;
///
/// assert_eq!(escape_decoded("a/b 100%", false), "a%2Fb 100%25");
/// assert_eq!(escape_decoded("a/b", true), "a/b");
/// ```
pub fn escape_decoded(text: &str, keep_slashes: bool) -> String {
    // `%` first, so that the `%` of a `%2F` written next is not escaped again.
    let escaped = text.replace('%', "%25");
    if keep_slashes {
        escaped
    } else {
        escaped.replace('/', "%2F")
    }
}

/// The value of a parameter taken from a path in the contract's form: `%2F` and `%25` decoded,
/// the rest being decoded already.
///
/// ```
/// use lambda_wasm_routes::encoding::unescape_param;
///
/// assert_eq!(unescape_param("a%2Fb 100%25"), "a/b 100%");
/// assert_eq!(unescape_param("%252F"), "%2F");
/// ```
pub fn unescape_param(value: &str) -> String {
    if !value.contains('%') {
        return value.into();
    }
    // The contract's form only ever escapes `/` and `%`, so full decoding is exact; the
    // fallback keeps a value that did not come from it.
    decode_fully(value).unwrap_or_else(|| value.into())
}

/// `path` as a URI's path: every byte a URI path cannot hold percent-encoded, `%` kept as the
/// escape it already is, and a leading `/` when it has none. For a path in the contract's form,
/// or one a front end sent decoded (an HTTP API's `rawPath`: `/two words`, `/é`).
///
/// ```
/// use lambda_wasm_routes::encoding::encode_path;
///
/// assert_eq!(encode_path("/two words/é"), "/two%20words/%C3%A9");
/// assert_eq!(encode_path("/files/a%2Fb"), "/files/a%2Fb");
/// assert_eq!(encode_path("a?b#c"), "/a%3Fb%23c");
/// ```
pub fn encode_path(path: &str) -> String {
    let encoded = utf8_percent_encode(path, NOT_IN_A_PATH);
    if path.starts_with('/') {
        encoded.to_string()
    } else {
        format!("/{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn decoding_then_unescaping_is_full_decoding() {
        for wire in [
            "/a%2Fb",
            "/a%252Fb",
            "/x%20y/%25",
            "/100%",
            "/%2",
            "/%zz",
            "/é%C3%A9",
        ] {
            let contract = decode_path(wire).unwrap();
            assert_eq!(
                Some(unescape_param(&contract)),
                decode_fully(wire),
                "{wire}"
            );
        }
    }

    #[test]
    fn an_encoded_slash_never_adds_a_segment() {
        let contract = decode_path("/files/a%2Fb%2fc").unwrap();
        assert_eq!(contract.split('/').count(), 3, "{contract}");
    }

    #[test]
    fn escaping_decoded_text_round_trips() {
        for text in ["a/b", "100%", "%2F", "plain", "é ü"] {
            assert_eq!(unescape_param(&escape_decoded(text, false)), text);
        }
    }

    #[test]
    fn invalid_utf8_is_refused_not_replaced() {
        assert_eq!(decode_path("/%C3"), None);
        assert_eq!(decode_fully("%80"), None);
        assert_eq!(unescape_param("%FF"), "%FF");
    }

    #[test]
    fn a_percent_without_two_hex_digits_is_a_literal_percent() {
        for (wire, contract, fully) in [
            ("/100%", "/100%25", "/100%"),
            ("/%2", "/%252", "/%2"),
            ("/%zz", "/%25zz", "/%zz"),
            ("/%%41", "/%25A", "/%A"),
            ("/a%/b", "/a%25/b", "/a%/b"),
        ] {
            assert_eq!(decode_path(wire).as_deref(), Some(contract), "{wire}");
            assert_eq!(decode_fully(wire).as_deref(), Some(fully), "{wire}");
        }
    }

    #[test]
    fn a_path_keeps_its_escapes_and_gets_the_rest_encoded() {
        assert_eq!(encode_path("/prod/hello%2Fworld"), "/prod/hello%2Fworld");
        assert_eq!(encode_path("/two words/é"), "/two%20words/%C3%A9");
        assert_eq!(encode_path("a?b#c"), "/a%3Fb%23c");
    }

    #[test]
    fn an_empty_path_encodes_as_the_root() {
        assert_eq!(encode_path(""), "/");
    }

    /// A path in the contract's form: segments of any text, a `/` or `%` in them escaped.
    fn contract_path() -> impl Strategy<Value = String> {
        prop::collection::vec("\\PC{0,8}", 0..5).prop_map(|segments| {
            let escaped: Vec<String> = segments
                .iter()
                .map(|segment| escape_decoded(segment, false))
                .collect();
            format!("/{}", escaped.join("/"))
        })
    }

    /// Paths as a client may send them: escapes whole, cut short or not hex, and bytes that
    /// are not UTF-8 once decoded.
    fn wire_path() -> impl Strategy<Value = String> {
        prop_oneof!["[%/2fF5Ac3a9z é]{0,32}", "\\PC{0,32}"]
    }

    proptest! {
        #[test]
        fn a_contract_path_survives_encoding_and_decoding(path in contract_path()) {
            prop_assert_eq!(decode_path(&encode_path(&path)), Some(path));
        }

        #[test]
        fn decoding_any_path_agrees_with_full_decoding_and_never_panics(wire in wire_path()) {
            let fully = decode_fully(&wire);
            let contract = decode_path(&wire);
            prop_assert_eq!(contract.is_some(), fully.is_some());
            if let Some(contract) = contract {
                prop_assert_eq!(Some(unescape_param(&contract)), fully);
            }
        }
    }
}
