//! Logs on stderr (stdout carries `invoke`'s output): JSON when Lambda's log format is JSON,
//! the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`.
//!
//! Colours only where a person reads a terminal: never in Lambda (CloudWatch shows escapes as
//! garbage), in a file or a pipe, or when `NO_COLOR` is set. In Lambda, text lines carry no
//! timestamp either: CloudWatch stamps each line.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// How log lines look, decided once from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    json: bool,
    ansi: bool,
    timestamps: bool,
}

impl Style {
    /// The style for a process whose environment answers `lookup`, logging to a terminal or not.
    fn new(lookup: impl Fn(&str) -> Option<String>, stderr_is_terminal: bool) -> Self {
        let in_lambda = lookup("AWS_LAMBDA_RUNTIME_API").is_some();
        let json = lookup("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
        // https://no-color.org: set and not empty.
        let no_color = lookup("NO_COLOR").is_some_and(|value| !value.is_empty());
        Self {
            json,
            ansi: stderr_is_terminal && !in_lambda && !json && !no_color,
            timestamps: !in_lambda,
        }
    }
}

/// Installs the process's log subscriber; call once, first.
pub fn init() {
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        // Lambda's level applies to this runtime and the guest's output; dependencies stay at
        // `warn`, where none of them logs request data.
        .map(|level| {
            let level = lambda_level_directive(&level);
            format!("warn,lambda_wasm_host={level},bootstrap={level},guest={level}")
        })
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let style = Style::new(
        |name| std::env::var(name).ok(),
        std::io::stderr().is_terminal(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(style.ansi);
    if style.json {
        // Lambda's JSON log lines keep `message` at the top; the request ids come in `span`.
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else if style.timestamps {
        // Without the module path: every line is this runtime's, and guest output says `stream`.
        builder.with_target(false).init();
    } else {
        builder.with_target(false).without_time().init();
    }
}

/// Lambda's levels are upper case and include `FATAL`, which tracing calls `error`.
fn lambda_level_directive(level: &str) -> &'static str {
    match level.to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        _ => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(vars: &[(&str, &str)], terminal: bool) -> Style {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        Style::new(lookup, terminal)
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(style(&[], true).ansi);
        assert!(!style(&[], false).ansi, "a file or a pipe");
        assert!(!style(&[("NO_COLOR", "1")], true).ansi);
        assert!(
            style(&[("NO_COLOR", "")], true).ansi,
            "an empty NO_COLOR is unset"
        );
    }

    #[test]
    fn lambda_text_lines_have_no_colours_and_no_timestamps() {
        let lambda = style(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")], true);
        assert_eq!(
            lambda,
            Style {
                json: false,
                ansi: false,
                timestamps: false
            }
        );
        assert!(
            style(&[], false).timestamps,
            "local runs keep their timestamps"
        );
    }

    #[test]
    fn the_json_format_is_plain_json() {
        let json = style(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")], true);
        assert!(json.json && !json.ansi);
    }
}
