//! The functions a local API invokes: each one's component, reloaded when its file changes, run
//! with the settings Lambda would give it. With `--template`, each function gets its own
//! environment (the template's variables over the process's), so its own guest settings, its
//! timeout and memory; without, the one component runs with the process's.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use notify::RecommendedWatcher;

use super::reload::{self, LiveComponent};
use super::template::Template;
use crate::component::{GuestComponent, Loader};
use crate::engine::Concurrency;
use crate::pipeline::{self, LambdaContext};
use crate::settings::{Environment, FUNCTION_MEMORY_VAR, Settings};

/// Lambda's default timeout, for a template function that sets none.
const LAMBDA_DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Lambda's default memory, for a template function that sets none.
const LAMBDA_DEFAULT_MEMORY_MB: u32 = 128;

/// One function of a local API.
pub struct LocalFunction {
    /// Its name in invocations (the template's logical id).
    pub name: String,
    live: Arc<LiveComponent>,
    timeout: Duration,
    memory_mb: u32,
}

impl fmt::Debug for LocalFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFunction")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl LocalFunction {
    /// The component requests run on now.
    pub fn component(&self) -> Arc<GuestComponent> {
        self.live.current()
    }

    /// A new invocation of this function, its deadline its timeout from now.
    pub fn invocation(&self) -> LambdaContext {
        pipeline::local_invocation_of(&self.name, self.memory_mb, self.timeout)
    }
}

/// The loaded functions, and the watchers that reload them (hot reload stops when they drop).
pub struct Functions {
    /// By name.
    pub by_name: HashMap<String, Arc<LocalFunction>>,
    /// Kept for as long as the server runs.
    pub watchers: Vec<RecommendedWatcher>,
}

/// The one component of `serve --component PATH`, with the process's settings.
pub fn single(env: &Environment, component: &Path, timeout: Duration) -> anyhow::Result<Functions> {
    let settings = Settings::read(env)?;
    let loader = Loader::new(settings.guest, Concurrency::Concurrent)?;
    let (function, watcher) = load(
        &loader,
        "local",
        component,
        timeout,
        LAMBDA_DEFAULT_MEMORY_MB,
    )?;
    Ok(Functions {
        by_name: HashMap::from([(function.name.clone(), function)]),
        watchers: vec![watcher],
    })
}

/// The functions `names` of `template`, each from the component `given` names for it, else
/// from where `sam build` or `make package` put it (see
/// [`Function::candidates`](super::template::Function::candidates)). `timeout`, when given,
/// overrides every function's.
pub fn of_template(
    env: &Environment,
    template: &Template,
    names: &[&str],
    given: &[(String, PathBuf)],
    timeout: Option<Duration>,
) -> anyhow::Result<Functions> {
    for (name, _) in given {
        if template.function(name).is_none() {
            bail!("--component {name}=...: the template has no function {name}");
        }
    }
    let mut prepared = Vec::new();
    for name in names {
        let function = template.function(name).with_context(|| {
            format!("{name} is invoked by an API but is not a function of the template")
        })?;
        let path = match given.iter().rev().find(|(id, _)| id == name) {
            Some((_, path)) => path.clone(),
            None => find_component(template, function)?,
        };
        let memory_mb = function.memory_mb.unwrap_or(LAMBDA_DEFAULT_MEMORY_MB);
        let memory = memory_mb.to_string();
        let variables = function
            .environment
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .chain([(FUNCTION_MEMORY_VAR, memory.as_str())]);
        let settings = Settings::read(&env.overlaid(variables))
            .with_context(|| format!("the settings of {name}"))?;
        let timeout = timeout
            .or(function.timeout)
            .unwrap_or(LAMBDA_DEFAULT_TIMEOUT);
        prepared.push((*name, path, settings.guest, timeout, memory_mb));
    }
    // One engine for all, its memory pool sized for the largest guest.
    let Some(largest) = prepared
        .iter()
        .map(|(_, _, guest, ..)| guest)
        .max_by_key(|guest| guest.memory_bytes)
    else {
        bail!("no function to serve");
    };
    let engine = Loader::new(largest.clone(), Concurrency::Concurrent)?;
    let mut functions = Functions {
        by_name: HashMap::new(),
        watchers: Vec::new(),
    };
    for (name, path, guest, timeout, memory_mb) in prepared {
        let loader = engine.with_config(guest);
        let (function, watcher) = load(&loader, name, &path, timeout, memory_mb)
            .with_context(|| format!("loading {name}"))?;
        tracing::info!(function = name, component = %path.display(), "component loaded");
        functions.by_name.insert(name.to_owned(), function);
        functions.watchers.push(watcher);
    }
    Ok(functions)
}

/// The first place `function`'s component is found, or an error listing where it was looked
/// for.
fn find_component(
    template: &Template,
    function: &super::template::Function,
) -> anyhow::Result<PathBuf> {
    let candidates = function.candidates(&template.dir);
    if let Some(found) = candidates.iter().find(|path| path.is_file()) {
        return Ok(found.clone());
    }
    if function.handler.is_none() {
        bail!(
            "{} has no Handler naming its component: pass --component {}=PATH",
            function.id,
            function.id
        );
    }
    let looked: Vec<String> = candidates
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    bail!(
        "no component for {}: build it (`sam build` or `make package`) or pass --component {}=PATH; looked for {}",
        function.id,
        function.id,
        looked.join(", ")
    )
}

fn load(
    loader: &Loader,
    name: &str,
    path: &Path,
    timeout: Duration,
    memory_mb: u32,
) -> anyhow::Result<(Arc<LocalFunction>, RecommendedWatcher)> {
    let live = Arc::new(LiveComponent::new(loader.load(path)?));
    let watcher = reload::watch(
        loader.clone(),
        path.to_owned(),
        name.to_owned(),
        live.clone(),
    )?;
    let function = LocalFunction {
        name: name.to_owned(),
        live,
        timeout,
        memory_mb,
    };
    Ok((Arc::new(function), watcher))
}
