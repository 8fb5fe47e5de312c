//! What the host checks of a guest's response before any front end sees it: a final status,
//! header names that are tokens, values without control characters, the caps on headers and
//! cookies; and `Set-Cookie` headers moved out to the cookies, the one place that is done.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use http::HeaderName;

use super::invalid::InvalidResponse;
use crate::bindings::Response;
use crate::quotas::{MAX_RESPONSE_COOKIES, MAX_RESPONSE_HEADERS};

/// A response whose status and headers have been checked, headers grouped by name (in the
/// order each name first appears, values in order), and every cookie in `cookies`.
pub(super) struct Checked {
    pub status: u16,
    pub headers: Vec<(String, Vec<String>)>,
    pub cookies: Vec<String>,
    pub body: Vec<u8>,
}

/// Refuses more headers or cookies than the host translates, before looking at any of them.
pub(super) fn counts(response: &Response) -> Result<(), InvalidResponse> {
    for (what, count, cap) in [
        ("headers", response.headers.len(), MAX_RESPONSE_HEADERS),
        ("cookies", response.cookies.len(), MAX_RESPONSE_COOKIES),
    ] {
        if count > cap {
            return Err(InvalidResponse::TooMany { what, count, cap });
        }
    }
    Ok(())
}

/// Checks the status and every header and cookie, groups the headers by name, and moves the
/// `Set-Cookie` headers to the cookies.
pub(super) fn check(response: Response) -> Result<Checked, InvalidResponse> {
    if !(200..=599).contains(&response.status) {
        return Err(InvalidResponse::Status(response.status));
    }
    let mut cookies = response.cookies;
    if !cookies.iter().all(|cookie| is_field_value(cookie)) {
        return Err(InvalidResponse::HeaderValue("set-cookie".to_owned()));
    }
    let mut headers: Vec<(String, Vec<String>)> = Vec::with_capacity(response.headers.len());
    // Lower-case name -> its place in `headers`: grouping stays linear in the number of headers.
    let mut index: HashMap<String, usize> = HashMap::with_capacity(response.headers.len());
    for (name, value) in response.headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(InvalidResponse::HeaderName(name));
        }
        if !is_field_value(&value) {
            return Err(InvalidResponse::HeaderValue(name));
        }
        // Cookies need their own channel: v2 would comma-join them, which breaks `Expires`.
        if name.eq_ignore_ascii_case("set-cookie") {
            cookies.push(value);
            continue;
        }
        match index.entry(name.to_ascii_lowercase()) {
            Entry::Occupied(place) => headers[*place.get()].1.push(value),
            Entry::Vacant(place) => {
                place.insert(headers.len());
                headers.push((name, vec![value]));
            }
        }
    }
    Ok(Checked {
        status: response.status,
        headers,
        cookies,
        body: response.body,
    })
}

/// Whether `value` may go out as a header value. RFC 9110 (5.5) allows a horizontal tab inside
/// a field value, and API Gateway, ALB and hyper pass it, so tab is kept; every other control
/// character is refused: CR and LF would split the header, and NUL, DEL or a C1 control such
/// as U+0085 (NEL, a line break to some parsers) have no place in a header either.
fn is_field_value(value: &str) -> bool {
    !value.chars().any(|c| c.is_control() && c != '\t')
}
