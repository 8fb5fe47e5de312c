//! How large a proxy response JSON is: a lower bound from the guest's raw lengths, before
//! anything is copied, and the exact size, counted without building the JSON.

use serde::Serialize;

use crate::bindings::Response;

/// A size the proxy response JSON cannot be under, from the raw lengths: a body that is not
/// UTF-8 goes as base64 (4 bytes for every 3, rounded up), and JSON escaping only ever grows
/// text, headers and cookies.
pub(super) fn lower_bound(response: &Response) -> u64 {
    let body = response.body.len() as u64;
    let body = if std::str::from_utf8(&response.body).is_ok() {
        body
    } else {
        body.div_ceil(3) * 4
    };
    let headers: u64 = response
        .headers
        .iter()
        .map(|(name, value)| (name.len() + value.len()) as u64)
        .sum();
    let cookies: u64 = response.cookies.iter().map(|c| c.len() as u64).sum();
    body + headers + cookies
}

/// The length of the JSON Lambda will send, counted without building it.
pub(super) fn serialized(response: &impl Serialize) -> u64 {
    struct Counter(u64);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serializing these plain structs cannot fail; if it did, the response could not be sent.
    match serde_json::to_writer(&mut counter, response) {
        Ok(()) => counter.0,
        Err(_) => u64::MAX,
    }
}
