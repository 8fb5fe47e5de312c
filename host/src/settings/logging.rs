//! How `bootstrap` logs: Lambda's log format and level, `RUST_LOG` elsewhere, and `NO_COLOR`.

use super::Environment;
use super::lambda::RUNTIME_API_VAR;

/// `JSON` for JSON lines (the template's `LoggingConfig.LogFormat`), else text.
const LOG_FORMAT_VAR: &str = "AWS_LAMBDA_LOG_FORMAT";
/// Lambda's application log level (`TRACE` to `FATAL`), for `bootstrap` and the guest's output.
const LOG_LEVEL_VAR: &str = "AWS_LAMBDA_LOG_LEVEL";
/// tracing's filter directives, when Lambda gives no level.
const RUST_LOG_VAR: &str = "RUST_LOG";
/// <https://no-color.org>: set and not empty turns colours off.
const NO_COLOR_VAR: &str = "NO_COLOR";

/// What the log looks like and what it lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// JSON lines rather than text.
    pub json: bool,
    /// On Lambda: no colours and no timestamps (CloudWatch stamps each line).
    pub in_lambda: bool,
    /// `NO_COLOR` is set.
    pub no_color: bool,
    /// tracing's filter directives.
    pub filter: String,
}

impl LogSettings {
    /// Reads the log settings; nothing here can be invalid (an unknown level is `info`).
    pub fn read(env: &Environment) -> Self {
        let filter = env
            .get(LOG_LEVEL_VAR)
            // Lambda's level applies to this runtime and the guest's output; dependencies stay at
            // `warn`, where none of them logs request data.
            .map(|level| {
                let level = lambda_level_directive(level);
                format!("warn,lambda_wasm_host={level},bootstrap={level},guest={level}")
            })
            .or_else(|| env.get(RUST_LOG_VAR).map(str::to_owned))
            .unwrap_or_else(|| "info".to_owned());
        Self {
            json: env
                .get(LOG_FORMAT_VAR)
                .is_some_and(|format| format.eq_ignore_ascii_case("json")),
            in_lambda: env.get(RUNTIME_API_VAR).is_some(),
            no_color: env.get(NO_COLOR_VAR).is_some_and(|value| !value.is_empty()),
            filter,
        }
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

    fn settings(vars: &[(&str, &str)]) -> LogSettings {
        LogSettings::read(&Environment::from_pairs(vars.iter().copied()))
    }

    #[test]
    fn lambdas_level_applies_to_the_runtime_and_the_guest_only() {
        assert_eq!(
            settings(&[(LOG_LEVEL_VAR, "fatal"), (RUST_LOG_VAR, "trace")]).filter,
            "warn,lambda_wasm_host=error,bootstrap=error,guest=error"
        );
        assert_eq!(settings(&[(RUST_LOG_VAR, "debug")]).filter, "debug");
        assert_eq!(settings(&[]).filter, "info");
    }

    #[test]
    fn an_empty_no_color_is_unset() {
        assert!(settings(&[(NO_COLOR_VAR, "1")]).no_color);
        assert!(!settings(&[(NO_COLOR_VAR, "")]).no_color);
    }

    #[test]
    fn the_format_and_lambda_are_read_from_lambdas_variables() {
        assert!(settings(&[(LOG_FORMAT_VAR, "JSON")]).json);
        assert!(!settings(&[(LOG_FORMAT_VAR, "Text")]).json);
        assert!(settings(&[(RUNTIME_API_VAR, "127.0.0.1:9001")]).in_lambda);
    }
}
