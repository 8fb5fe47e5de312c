//! Instances kept between invocations, as Lambda's runtimes keep their process for the
//! invocations of one execution environment: each with its store, idle until an invocation of
//! its component takes it. One registry for every component of a loader, since they share the
//! engine's pool: an instance that needs a slot taken by idle ones evicts the oldest.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use wasmtime::Store;
use wasmtime::component::Instance;

use crate::sandbox::HostState;

/// An instance and its store, between two invocations.
pub(super) struct Warm {
    pub(super) store: Store<HostState>,
    pub(super) instance: Instance,
}

/// The idle instances of every component of a loader, oldest first.
#[derive(Default)]
pub(super) struct Kept {
    idle: Mutex<VecDeque<(u64, Warm)>>,
    next_component: AtomicU64,
}

impl Kept {
    /// A key for one component's instances; when the component is dropped (a reload), so are
    /// its idle instances.
    pub(super) fn key(self: &Arc<Self>) -> KeptKey {
        KeptKey {
            kept: Arc::clone(self),
            component: self.next_component.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Drops the instance idle the longest, whatever its component, to free its pool slot;
    /// false when none is idle.
    pub(super) fn evict_oldest(&self) -> bool {
        let evicted = self.lock().pop_front();
        // Dropped here, outside the lock: dropping a store resets its memory.
        evicted.is_some()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(u64, Warm)>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One component's share of the [`Kept`] registry.
pub(super) struct KeptKey {
    kept: Arc<Kept>,
    component: u64,
}

impl KeptKey {
    /// The component's instance idle the shortest time (its memory most likely still warm),
    /// if one is.
    pub(super) fn take(&self) -> Option<Warm> {
        let mut idle = self.kept.lock();
        let position = idle.iter().rposition(|(id, _)| *id == self.component)?;
        idle.remove(position).map(|(_, warm)| warm)
    }

    /// Keeps `warm` for the component's next invocation.
    pub(super) fn put(&self, warm: Warm) {
        self.kept.lock().push_back((self.component, warm));
    }

    /// Frees a pool slot by dropping the oldest idle instance of any component.
    pub(super) fn evict_oldest(&self) -> bool {
        self.kept.evict_oldest()
    }
}

impl Drop for KeptKey {
    fn drop(&mut self) {
        let dropped: Vec<_> = {
            let mut idle = self.kept.lock();
            let (mine, others): (VecDeque<_>, VecDeque<_>) =
                idle.drain(..).partition(|(id, _)| *id == self.component);
            *idle = others;
            mine.into_iter().collect()
        };
        drop(dropped);
    }
}
