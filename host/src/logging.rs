//! Logs on stderr (stdout carries `invoke`'s output): JSON when Lambda's log format is JSON,
//! the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`.

use tracing_subscriber::EnvFilter;

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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"))
    {
        // Lambda's JSON log lines keep `message` at the top; the request ids come in `span`.
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
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
