//! Logs on stderr (stdout carries `invoke`'s output), as the settings say
//! ([`LogSettings`]): JSON or text, and which levels.
//!
//! Colours only where a person reads a terminal: never in Lambda (CloudWatch shows escapes as
//! garbage), in a file or a pipe, or when `NO_COLOR` is set. In Lambda, text lines carry no
//! timestamp either: CloudWatch stamps each line.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::settings::LogSettings;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    json: bool,
    ansi: bool,
    timestamps: bool,
}

impl Style {
    /// The style `settings` ask for, logging to a terminal or not.
    fn new(settings: &LogSettings, stderr_is_terminal: bool) -> Self {
        Self {
            json: settings.json,
            ansi: stderr_is_terminal && !settings.in_lambda && !settings.json && !settings.no_color,
            timestamps: !settings.in_lambda,
        }
    }
}

/// Installs the process's log subscriber; call once, first.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let style = Style::new(settings, std::io::stderr().is_terminal());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn style(settings: LogSettings, terminal: bool) -> Style {
        Style::new(&settings, terminal)
    }

    fn local() -> LogSettings {
        LogSettings {
            json: false,
            in_lambda: false,
            no_color: false,
            filter: "info".to_owned(),
        }
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(style(local(), true).ansi);
        assert!(!style(local(), false).ansi, "a file or a pipe");
        let no_color = LogSettings {
            no_color: true,
            ..local()
        };
        assert!(!style(no_color, true).ansi);
    }

    #[test]
    fn lambda_text_lines_have_no_colours_and_no_timestamps() {
        let lambda = LogSettings {
            in_lambda: true,
            ..local()
        };
        assert_eq!(
            style(lambda, true),
            Style {
                json: false,
                ansi: false,
                timestamps: false
            }
        );
        assert!(
            style(local(), false).timestamps,
            "local runs keep their timestamps"
        );
    }

    #[test]
    fn the_json_format_is_plain_json() {
        let json = style(
            LogSettings {
                json: true,
                ..local()
            },
            true,
        );
        assert!(json.json && !json.ansi);
    }
}
