//! Hot reload: when the component file changes on disk, the next request runs the new one.
//! A file that does not load is refused and the previous component keeps serving.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::component::{GuestComponent, Loader};

/// Builds write a component in several steps; wait for them to settle before loading.
const SETTLE: Duration = Duration::from_millis(150);

/// The component requests run on now.
pub struct LiveComponent {
    current: RwLock<Arc<GuestComponent>>,
}

impl LiveComponent {
    pub fn new(component: GuestComponent) -> Self {
        Self {
            current: RwLock::new(Arc::new(component)),
        }
    }

    pub fn current(&self) -> Arc<GuestComponent> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn replace(&self, component: GuestComponent) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(component);
    }
}

/// Watches `path`, the component of the function `name`, and reloads `live` when it changes,
/// until the returned watcher is dropped.
pub fn watch(
    loader: Loader,
    path: PathBuf,
    name: String,
    live: Arc<LiveComponent>,
) -> anyhow::Result<RecommendedWatcher> {
    // Watch the directory: a rebuild may replace the file, which ends a watch on the file itself.
    let directory = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let file_name = path
        .file_name()
        .context("the component path has no file name")?
        .to_owned();
    let (changed, mut changes) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let writes = matches!(
            event.kind,
            EventKind::Create(_)
                | EventKind::Modify(
                    notify::event::ModifyKind::Data(_)
                        | notify::event::ModifyKind::Name(_)
                        | notify::event::ModifyKind::Any
                )
        );
        if writes
            && event
                .paths
                .iter()
                .any(|changed| changed.file_name() == Some(file_name.as_os_str()))
        {
            let _ = changed.send(());
        }
    })
    .context("starting the file watcher")?;
    watcher
        .watch(&directory, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", directory.display()))?;

    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            tokio::time::sleep(SETTLE).await;
            while changes.try_recv().is_ok() {}
            let (loader, path) = (loader.clone(), path.clone());
            let load = move || loader.load(&path);
            let loaded = tokio::task::spawn_blocking(load).await;
            match loaded {
                Ok(Ok(component)) => {
                    live.replace(component);
                    tracing::info!(function = %name, "reloaded the component");
                }
                Ok(Err(err)) => tracing::warn!(
                    function = %name,
                    "refused the changed component, still serving the previous one: {err:#}"
                ),
                Err(err) => {
                    tracing::error!(function = %name, "reloading the component failed: {err}")
                }
            }
        }
    });
    Ok(watcher)
}
