//! A clock of server-sent events: the response is streamed, an event a tick. `ticks` (1 to 100,
//! default 5) events `tick`, `interval_ms` apart (0 to 60000, default 1000), each with its number
//! and the time; then an event `done`. A clock that would outlive its invocation stops a second
//! before the deadline, with `done` saying so.
//!
//! `curl -N 'http://127.0.0.1:3000/clock?ticks=3'` shows each tick as it comes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_wasm_sdk::sse::Event;
use lambda_wasm_sdk::{Error, Request, Response, ResponseWriter, Result};
use serde_json::json;

lambda_wasm_sdk::streaming_handler!(clock);

/// How long before its deadline the clock stops, so that it ends its stream itself.
const DEADLINE_MARGIN_MS: u64 = 1_000;

fn clock(request: &Request, response: &mut ResponseWriter) -> Result<()> {
    let ticks = number(request, "ticks", 5, 1..=100)?;
    let interval_ms = number(request, "interval_ms", 1_000, 0..=60_000)?;
    response.start(Response::event_stream())?;
    for tick in 1..=ticks {
        if tick > 1 {
            if request.remaining_time_ms() < interval_ms + DEADLINE_MARGIN_MS {
                let done = json!({ "ticks": tick - 1, "reason": "deadline" });
                return response.send_event(&Event::new().event("done").json(&done)?);
            }
            std::thread::sleep(Duration::from_millis(interval_ms));
        }
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        let data = json!({ "tick": tick, "epochMs": now_ms });
        let event = Event::new()
            .event("tick")
            .id(&tick.to_string())
            .json(&data)?;
        response.send_event(&event)?;
    }
    let done = json!({ "ticks": ticks, "reason": "finished" });
    response.send_event(&Event::new().event("done").json(&done)?)
}

/// The query parameter `name` as a whole number in `range`; `default` when it is absent.
fn number(
    request: &Request,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64> {
    let Some(text) = request.query(name) else {
        return Ok(default);
    };
    match text.parse::<u64>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(Error::bad_request(format!(
            "{name} must be a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use lambda_wasm_sdk::{Invocation, StreamingHandler};

    use super::*;

    /// A request with a minute left before its deadline.
    fn request(query: &[(&str, &str)]) -> Request {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let invocation = Invocation {
            deadline_epoch_ms: now_ms + 60_000,
            ..Invocation::default()
        };
        query.iter().fold(
            Request::new("GET", "/clock").with_invocation(invocation),
            |request, (name, value)| request.with_query(name, value),
        )
    }

    #[test]
    fn streams_a_tick_a_part_then_done_as_an_event_stream() {
        let mut response = ResponseWriter::buffer();
        clock
            .stream(
                &request(&[("ticks", "3"), ("interval_ms", "0")]),
                &mut response,
            )
            .unwrap();
        let head = response.written_head().unwrap();
        assert_eq!(head.status(), 200);
        assert_eq!(head.header("content-type"), Some("text/event-stream"));
        let parts: Vec<String> = response
            .written_parts()
            .iter()
            .map(|part| String::from_utf8(part.clone()).unwrap())
            .collect();
        assert_eq!(parts.len(), 4, "{parts:?}");
        for (tick, part) in parts[..3].iter().enumerate() {
            let tick = tick + 1;
            let head = format!("event: tick\nid: {tick}\ndata: ");
            let data = part
                .strip_prefix(&head)
                .and_then(|rest| rest.strip_suffix("\n\n"))
                .unwrap_or_else(|| panic!("{part:?}"));
            let data: serde_json::Value = serde_json::from_str(data).unwrap();
            assert_eq!(data["tick"], tick, "{part}");
            assert!(data["epochMs"].as_u64().unwrap() > 0, "{part}");
        }
        assert_eq!(
            parts[3],
            "event: done\ndata: {\"reason\":\"finished\",\"ticks\":3}\n\n"
        );
    }

    #[test]
    fn stops_before_the_deadline_rather_than_be_stopped() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let short = Invocation {
            deadline_epoch_ms: now_ms + 500,
            ..Invocation::default()
        };
        let request = Request::new("GET", "/clock")
            .with_query("ticks", "5")
            .with_invocation(short);
        let mut response = ResponseWriter::buffer();
        clock.stream(&request, &mut response).unwrap();
        let body = String::from_utf8(response.written_body()).unwrap();
        assert!(body.starts_with("event: tick\nid: 1\n"), "{body}");
        assert!(
            body.ends_with("event: done\ndata: {\"reason\":\"deadline\",\"ticks\":1}\n\n"),
            "{body}"
        );
    }

    #[test]
    fn a_number_out_of_range_is_a_400_before_the_stream_starts() {
        let mut response = ResponseWriter::buffer();
        let error = clock
            .stream(&request(&[("ticks", "0")]), &mut response)
            .unwrap_err();
        assert_eq!(error.status(), 400);
        assert_eq!(
            error.message(),
            "ticks must be a whole number from 1 to 100"
        );
        assert!(!response.is_started());
    }
}
