//! `bootstrap invoke`: one event through the same path as on Lambda, the proxy response JSON (or a
//! Lambda authorizer's result) on stdout, like `sam local invoke -e`.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;

use crate::component::Loader;
use crate::engine::Concurrency;
use crate::pipeline::{self, Answer};
use crate::settings::{Environment, Settings};

/// Runs the event in `event_file` (`-` for stdin) through `component` (else the one
/// `LAMBDA_WASM_COMPONENT` names), with the settings of `env`.
pub async fn run(
    env: &Environment,
    event_file: &Path,
    component: Option<PathBuf>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let event = read_event(event_file)?;
    let settings = Settings::read(env)?;
    let component = component
        .or(settings.lambda.component)
        .context("no component given: pass --component or set LAMBDA_WASM_COMPONENT")?;
    let handler = Loader::new(settings.guest, Concurrency::Sequential)?.load(&component)?;
    let answer = pipeline::handle(&handler, &event, pipeline::local_invocation(timeout))
        .await
        .with_context(|| format!("{} is not an event bootstrap can run", event_file.display()))?;
    let mut stdout = std::io::stdout().lock();
    match answer {
        Answer::Proxy(response) => serde_json::to_writer_pretty(&mut stdout, &response)?,
        Answer::Authorizer(Ok(result)) => write_result(&mut stdout, &result)?,
        // As Lambda's Invoke API answers a failed invocation: the error document.
        Answer::Authorizer(Err(error)) => {
            serde_json::to_writer_pretty(&mut stdout, &error)?;
            writeln!(stdout)?;
            anyhow::bail!(
                "the function failed: {}: {}",
                error.error_type,
                error.error_message
            );
        }
    }
    writeln!(stdout)?;
    Ok(())
}

/// A function's result JSON, pretty-printed when it is JSON, else as it is.
fn write_result(out: &mut impl std::io::Write, result: &str) -> anyhow::Result<()> {
    match serde_json::from_str::<serde_json::Value>(result) {
        Ok(value) => serde_json::to_writer_pretty(out, &value)?,
        Err(_) => out.write_all(result.as_bytes())?,
    }
    Ok(())
}

fn read_event(event_file: &Path) -> anyhow::Result<Vec<u8>> {
    if event_file == Path::new("-") {
        let mut event = Vec::new();
        std::io::stdin()
            .read_to_end(&mut event)
            .context("reading the event from stdin")?;
        return Ok(event);
    }
    std::fs::read(event_file).with_context(|| format!("reading event {}", event_file.display()))
}
