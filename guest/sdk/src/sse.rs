//! Server-sent events (the HTML standard's `text/event-stream`): one [`Event`] per
//! [`ResponseWriter::send_event`](crate::ResponseWriter::send_event), which a browser's
//! `EventSource` reads as it arrives.
//!
//! ```
//! use lambda_wasm_sdk::sse::Event;
//!
//! let event = Event::new().event("tick").id("7").data("line one\nline two");
//! assert_eq!(
//!     event.to_string(),
//!     "event: tick\nid: 7\ndata: line one\ndata: line two\n\n"
//! );
//! ```

use std::fmt;

use serde::Serialize;

use crate::{Error, Result};

/// One server-sent event: its fields in the order they were given, ended by a blank line.
///
/// A field's value cannot hold a line break: `data` and comments spread over a line each
/// (the reader joins `data` lines with `\n` again); in `event` and `id` they are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    lines: Vec<(&'static str, String)>,
}

impl Event {
    /// An event with no fields yet.
    pub fn new() -> Self {
        Event::default()
    }

    /// `event: name`, the type `EventSource` dispatches it as (`message` without one).
    pub fn event(self, name: &str) -> Self {
        self.field("event", &without_breaks(name))
    }

    /// `id: id`, which a reconnecting `EventSource` sends back as `Last-Event-ID`.
    pub fn id(self, id: &str) -> Self {
        // A NUL makes the reader ignore the id.
        self.field("id", &without_breaks(id).replace('\0', ""))
    }

    /// `retry: ms`: how long `EventSource` waits before it reconnects.
    pub fn retry(self, ms: u64) -> Self {
        self.field("retry", &ms.to_string())
    }

    /// `data: text`, a line per line of `text`.
    pub fn data(self, text: &str) -> Self {
        lines(text).fold(self, |event, line| event.field("data", line))
    }

    /// `value` as JSON in one `data` line.
    pub fn json(self, value: &impl Serialize) -> Result<Self> {
        let text = serde_json::to_string(value).map_err(Error::from)?;
        Ok(self.data(&text))
    }

    /// `: text`, a comment the reader ignores: e.g. a keep-alive that holds a proxy's
    /// connection open.
    pub fn comment(self, text: &str) -> Self {
        lines(text).fold(self, |event, line| event.field("", line))
    }

    fn field(mut self, name: &'static str, value: &str) -> Self {
        self.lines.push((name, value.to_owned()));
        self
    }
}

/// The event as it goes on the wire: `name: value` lines, then a blank line.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.lines {
            writeln!(f, "{name}: {value}")?;
        }
        writeln!(f)
    }
}

/// The lines of `text`, split at `\r\n`, `\r` or `\n` as the reader splits them.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split("\r\n").flat_map(|line| line.split(['\r', '\n']))
}

fn without_breaks(text: &str) -> String {
    text.replace(['\r', '\n'], "")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_line_of_data_is_a_data_field_and_a_blank_line_ends_the_event() {
        let event = Event::new().data("a\r\nb\rc\nd");
        assert_eq!(event.to_string(), "data: a\ndata: b\ndata: c\ndata: d\n\n");
        assert_eq!(Event::new().data("").to_string(), "data: \n\n");
    }

    #[test]
    fn line_breaks_cannot_start_a_field_of_their_own() {
        let event = Event::new()
            .event("tick\ndata: forged")
            .id("1\r\n2\0")
            .comment("keep\nalive");
        assert_eq!(
            event.to_string(),
            "event: tickdata: forged\nid: 12\n: keep\n: alive\n\n"
        );
    }

    #[test]
    fn json_data_is_one_line() {
        let event = Event::new()
            .retry(2000)
            .json(&json!({ "text": "two\nlines" }))
            .unwrap();
        assert_eq!(
            event.to_string(),
            "retry: 2000\ndata: {\"text\":\"two\\nlines\"}\n\n"
        );
    }
}
