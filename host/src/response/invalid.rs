//! A response the front end would refuse, or the host will not translate; the client gets a
//! 502, as API Gateway gives for a malformed proxy response.

use crate::bindings::Source;
use crate::event::source_name;
use crate::guest_text;
use crate::quotas::SizeLimit;

/// Why the guest's response cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum InvalidResponse {
    /// A status no front end forwards as the final answer: outside 200-599.
    #[error("status {0} is not a final HTTP status (200-599)")]
    Status(u16),
    /// A header name that is not an HTTP token.
    #[error("invalid header name \"{}\"", guest_text::for_log(.0))]
    HeaderName(String),
    /// A header value with CR, LF or another control character.
    #[error(
        "invalid value for header \"{}\" (control characters other than tab, such as CR, LF, DEL or U+0085, are not allowed)",
        guest_text::for_log(.0)
    )]
    HeaderValue(String),
    /// More headers or cookies than the host translates.
    #[error("the response has {count} {what}, over the host's cap of {cap}")]
    TooMany {
        /// `headers` or `cookies`.
        what: &'static str,
        /// How many the guest gave.
        count: usize,
        /// The cap it went over.
        cap: usize,
    },
    /// A proxy response JSON over the front end's payload limit.
    #[error(
        "the proxy response for the {} is {}{size} bytes, over {limit}",
        source_name(*.front_end),
        if *.exact { "" } else { "at least " }
    )]
    TooLarge {
        /// The front end the response was for.
        front_end: Source,
        /// Its size, or a lower bound of it when `exact` is false.
        size: u64,
        /// Whether `size` is the exact size.
        exact: bool,
        /// The limit it went over.
        limit: SizeLimit,
    },
}
