//! How large requests and responses may be, in one place, each number with where it comes
//! from: the front ends' documented quotas, and the host's own caps where AWS sets none.
//!
//! Requests: a request no front end would have passed (a direct invoke can send any event up
//! to Lambda's 6 MB) is refused before the guest runs, and `serve` refuses the same requests as
//! the gateway. The caps follow the front ends' quotas:
//! - API Gateway (REST and HTTP APIs): "total combined size of request line and header values:
//!   10,240 bytes". The URL (path, query string, path parameters) is capped at that. The quota
//!   counts header values only, while the cap counts names and separators too (`name: value`
//!   and CRLF, as on the wire) and the headers API Gateway and CloudFront add themselves
//!   (`X-Forwarded-*`, `X-Amzn-Trace-Id`, `CloudFront-*`, about 1-2 KB), so the header cap is
//!   16 KiB: a request API Gateway passed is not refused.
//! - Function URLs have no documented header quota; they get the HTTP API's caps, the payload
//!   format they share.
//! - ALB: "request line 16 KB, entire header 64 KB".
//! - API Gateway's payload quota: 10 MB of request body.
//!
//! Responses: Lambda's 6 MB synchronous payload, an ALB's 1 MB, and the host's caps on the
//! number of headers and cookies. A streamed response (`LAMBDA_WASM_INVOKE_MODE=response_stream`)
//! has Lambda's 200 MB instead of the 6 MB, and a REST API reads its status and headers only
//! from the stream's first 16 KB.

use std::fmt;

use crate::bindings::Source;
use crate::event::ResponseFormat;

/// API Gateway refuses request payloads over 10 MB ("API Gateway quotas": payload size).
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// The most bytes of proxy response JSON a front end takes, and whose limit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimit {
    /// The limit in bytes.
    pub bytes: u64,
    /// Who sets it, for the log: `Lambda's`, `the ALB's`.
    pub set_by: &'static str,
}

impl fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} byte limit", self.set_by, self.bytes)
    }
}

/// Lambda refuses a synchronous response payload over 6 MB (6 MiB, as Lambda counts it:
/// "Lambda quotas", invocation payload).
pub const LAMBDA_LIMIT: SizeLimit = SizeLimit {
    bytes: 6 * 1024 * 1024,
    set_by: "Lambda's",
};

/// An ALB answers 502 for a Lambda response JSON over 1 MB ("lambda-functions" in the ELB
/// guide). AWS does not say whether that MB is 10^6 or 2^20 bytes: the smaller is taken, so
/// the host never reports success for a response the ALB may refuse.
pub const ALB_LIMIT: SizeLimit = SizeLimit {
    bytes: 1_000_000,
    set_by: "the ALB's",
};

/// Lambda's response streaming takes up to 200 MB ("Response streaming for Lambda functions":
/// "response streaming functions can return payloads up to 200 MB"). AWS does not say whether
/// that MB is 10^6 or 2^20 bytes; as for the ALB, the smaller is taken. It counts everything the
/// host streams: the prelude with the status and headers, its delimiter, and the body.
pub const STREAMING_LIMIT: SizeLimit = SizeLimit {
    bytes: 200_000_000,
    set_by: "Lambda's response streaming",
};

/// A REST API streaming a response reads its status and headers from a metadata prelude that
/// must end, delimiter included, within the stream's first 16 KB ("Set up a Lambda proxy
/// integration with payload response streaming in API Gateway"); a larger one is refused there,
/// so the host refuses it first (502). Function URLs document no such cap.
pub const REST_STREAMING_PRELUDE_LIMIT: SizeLimit = SizeLimit {
    bytes: 16 * 1024,
    set_by: "the REST API's streaming prelude",
};

/// The limit of the front end that answers in `format`: an ALB's own, else Lambda's.
pub fn response_limit(format: ResponseFormat) -> SizeLimit {
    match format {
        ResponseFormat::Alb { .. } => ALB_LIMIT,
        ResponseFormat::RestApi | ResponseFormat::HttpApi => LAMBDA_LIMIT,
    }
}

/// Far more headers than any real response has; the cap keeps checking and grouping a
/// hostile guest's list bounded in time and memory.
pub const MAX_RESPONSE_HEADERS: usize = 1_000;

/// Far more cookies than any real response sets (browsers keep about 50 per domain).
pub const MAX_RESPONSE_COOKIES: usize = 1_000;

/// What a request may carry, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Headers as on the wire (`name: value` and CRLF each), cookies included.
    pub header_bytes: usize,
    /// The path, the query string and the path parameters.
    pub url_bytes: usize,
}

/// Which part of a request is over its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversized {
    /// The headers, cookies included.
    Headers,
    /// The path, query string or path parameters.
    Url,
}

impl RequestLimits {
    /// The caps of the front end `source`.
    pub fn of(source: Source) -> Self {
        match source {
            Source::RestApi | Source::HttpApi | Source::FunctionUrl => Self {
                header_bytes: 16 << 10,
                url_bytes: 10_240,
            },
            Source::Alb => Self {
                header_bytes: 64 << 10,
                url_bytes: 16 << 10,
            },
        }
    }

    /// Checks headers (lower-case names; `cookies` are those not among them) and the URL.
    pub fn check(
        self,
        headers: &[(String, String)],
        cookies: &[String],
        url: Url<'_>,
    ) -> Result<(), Oversized> {
        if header_bytes(headers, cookies) > self.header_bytes {
            return Err(Oversized::Headers);
        }
        if url.bytes() > self.url_bytes {
            return Err(Oversized::Url);
        }
        Ok(())
    }
}

/// The parts of a request's URL that count against its cap.
#[derive(Debug, Clone, Copy)]
pub struct Url<'a> {
    /// The path.
    pub path: &'a str,
    /// The query string, encoded as on the wire.
    pub raw_query: &'a str,
    /// The path parameters, which a direct invoke can send apart from the path.
    pub path_parameters: &'a [(String, String)],
}

impl Url<'_> {
    fn bytes(&self) -> usize {
        let parameters: usize = self
            .path_parameters
            .iter()
            .map(|(name, value)| name.len() + value.len() + 1)
            .sum();
        self.path.len() + 1 + self.raw_query.len() + parameters
    }
}

/// The headers' size as on the wire, with `cookies` as one `cookie: a=1; b=2` header.
fn header_bytes(headers: &[(String, String)], cookies: &[String]) -> usize {
    let headers: usize = headers
        .iter()
        .map(|(name, value)| name.len() + value.len() + 4)
        .sum();
    let cookie_header = if cookies.is_empty() {
        0
    } else {
        "cookie: ".len()
    };
    let cookies: usize = cookies.iter().map(|cookie| cookie.len() + 2).sum();
    headers + cookie_header + cookies
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(count: usize, value: &str) -> Vec<(String, String)> {
        (0..count)
            .map(|i| (format!("x-{i}"), value.to_owned()))
            .collect()
    }

    const NO_URL: Url<'static> = Url {
        path: "/",
        raw_query: "",
        path_parameters: &[],
    };

    #[test]
    fn headers_count_as_on_the_wire_up_to_the_cap() {
        let limits = RequestLimits::of(Source::HttpApi);
        // "x-0: " + 16379 bytes + CRLF = 16384 exactly.
        let at_cap = vec![("x-0".to_owned(), "v".repeat(16_377))];
        assert_eq!(header_bytes(&at_cap, &[]), 16 << 10);
        assert_eq!(limits.check(&at_cap, &[], NO_URL), Ok(()));
        let over = vec![("x-0".to_owned(), "v".repeat(16_378))];
        assert_eq!(limits.check(&over, &[], NO_URL), Err(Oversized::Headers));
    }

    #[test]
    fn many_empty_headers_or_cookies_are_over_the_cap_too() {
        let limits = RequestLimits::of(Source::RestApi);
        let empty: Vec<(String, String)> = vec![(String::new(), String::new()); 5_000];
        assert_eq!(limits.check(&empty, &[], NO_URL), Err(Oversized::Headers));
        let cookies = vec![String::new(); 10_000];
        assert_eq!(limits.check(&[], &cookies, NO_URL), Err(Oversized::Headers));
    }

    #[test]
    fn alb_allows_the_larger_headers_it_documents() {
        let big = headers(100, &"v".repeat(600));
        assert_eq!(
            RequestLimits::of(Source::RestApi).check(&big, &[], NO_URL),
            Err(Oversized::Headers)
        );
        assert_eq!(
            RequestLimits::of(Source::Alb).check(&big, &[], NO_URL),
            Ok(())
        );
    }

    #[test]
    fn the_url_counts_path_query_and_path_parameters() {
        let limits = RequestLimits::of(Source::RestApi);
        let query = "q=".to_owned() + &"a".repeat(10_000);
        let url = Url {
            path: "/users",
            raw_query: &query,
            path_parameters: &[],
        };
        assert_eq!(limits.check(&[], &[], url), Ok(()));
        let parameters = vec![("id".to_owned(), "x".repeat(300))];
        let url = Url {
            path_parameters: &parameters,
            ..url
        };
        assert_eq!(limits.check(&[], &[], url), Err(Oversized::Url));
        let many: Vec<(String, String)> = vec![(String::new(), String::new()); 20_000];
        let url = Url {
            path: "/",
            raw_query: "",
            path_parameters: &many,
        };
        assert_eq!(limits.check(&[], &[], url), Err(Oversized::Url));
    }
}
