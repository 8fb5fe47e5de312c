//! The contract's path encoding: a routed `path` is percent-decoded, except that a `/` or a `%`
//! that is data rather than structure stays encoded (`%2F`, `%25`), so the path keeps the
//! segments API Gateway matched its route on, and a path parameter is fully decoded.
//!
//! API Gateway matches routes on the path as the client encoded it: `/files/a%2Fb` is one
//! segment there, and decoding it to `/files/a/b` would let a router pick a route API Gateway
//! would not. Keeping `%25` encoded too makes the rule reversible: a literal `%2F` typed by the
//! client (`%252F` on the wire) never reads as an encoded slash.

use alloc::string::String;
use alloc::vec::Vec;

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
    let bytes = wire.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match escaped_byte(bytes, index) {
            Some(b'/') => decoded.extend_from_slice(b"%2F"),
            Some(b'%') => decoded.extend_from_slice(b"%25"),
            Some(byte) => decoded.push(byte),
            None if bytes[index] == b'%' => {
                decoded.extend_from_slice(b"%25");
                index += 1;
                continue;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
                continue;
            }
        }
        index += 3;
    }
    String::from_utf8(decoded).ok()
}

/// Decodes every `%XX` of `wire`, `%2F` included; a `%` not followed by two hex digits stays as
/// it is. `None` when the decoded bytes are not UTF-8.
///
/// ```
/// use lambda_wasm_routes::encoding::decode_fully;
///
/// assert_eq!(decode_fully("a%2Fb%20c%").as_deref(), Some("a/b c%"));
/// ```
pub fn decode_fully(wire: &str) -> Option<String> {
    let bytes = wire.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match escaped_byte(bytes, index) {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
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
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '/' if !keep_slashes => escaped.push_str("%2F"),
            c => escaped.push(c),
        }
    }
    escaped
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

/// The byte `%XX` at `index` stands for, if `bytes[index..]` starts with one.
fn escaped_byte(bytes: &[u8], index: usize) -> Option<u8> {
    if bytes[index] != b'%' {
        return None;
    }
    let high = hex(*bytes.get(index + 1)?)?;
    let low = hex(*bytes.get(index + 2)?)?;
    Some(high << 4 | low)
}

fn hex(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
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
}
