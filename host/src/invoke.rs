//! `bootstrap invoke`: one event through the same path as on Lambda, the proxy response JSON on
//! stdout, like `sam local invoke -e`.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use crate::component::Loader;
use crate::engine::Concurrency;
use crate::proxy;

/// Runs the event in `event_file` (`-` for stdin) through `component`.
pub async fn run(event_file: &Path, component: &Path, timeout: Duration) -> anyhow::Result<()> {
    let event = read_event(event_file)?;
    let handler = Loader::from_env(Concurrency::Sequential)?.load(component)?;
    let response = proxy::handle_event(&handler, &event, proxy::local_invocation(timeout))
        .await
        .with_context(|| format!("{} is not an event bootstrap can run", event_file.display()))?;
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &response)?;
    writeln!(stdout)?;
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
