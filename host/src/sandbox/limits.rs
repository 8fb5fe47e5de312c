//! The resources a guest instance may take (memory, tables, instances), and the memory it
//! actually used. The memory cap is for all of an instance's linear memories together (a
//! component made of several core modules may have one memory each) and the bytes the host holds
//! for the invocation ([`MemoryBudget`]).

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

use crate::memory_budget::MemoryBudget;

/// Generous for any real handler, small enough that a hostile one cannot grow the host.
const MAX_INSTANCES: usize = 64;
const MAX_TABLES: usize = 64;
const MAX_MEMORIES: usize = 16;
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// Wasmtime's store limits, plus what the guest actually used.
pub struct GuestLimits {
    limits: StoreLimits,
    /// The invocation's memory: the linear memories take from it.
    budget: MemoryBudget,
    /// The bytes of all the instance's linear memories together, now.
    memory_total: usize,
    /// The most linear memory, all memories together, the guest asked for and got.
    pub memory_peak: usize,
    /// Whether the guest asked for more memory than its cap.
    pub memory_refused: bool,
}

impl GuestLimits {
    /// Limits with `memory_cap` bytes of memory: linear memory and what the host holds.
    pub fn new(memory_cap: usize) -> Self {
        let limits = StoreLimitsBuilder::new()
            .memory_size(memory_cap)
            .instances(MAX_INSTANCES)
            .tables(MAX_TABLES)
            .memories(MAX_MEMORIES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .build();
        Self {
            limits,
            budget: MemoryBudget::new(memory_cap),
            memory_total: 0,
            memory_peak: 0,
            memory_refused: false,
        }
    }

    /// The most memory the guest may have, all memories and the host's holds together.
    pub fn memory_cap(&self) -> usize {
        self.budget.cap()
    }

    /// The invocation's memory budget, for what the host holds on the guest's behalf.
    pub fn budget(&self) -> &MemoryBudget {
        &self.budget
    }
}

impl ResourceLimiter for GuestLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Wasmtime calls this when a memory is created (`current` 0) and whenever it grows; an
        // instance's memories live as long as its store, so the total only ever grows.
        let total = self
            .memory_total
            .saturating_sub(current)
            .saturating_add(desired);
        let allowed = self.limits.memory_growing(current, desired, maximum)?
            && self.budget.take(desired.saturating_sub(current));
        if allowed {
            self.memory_total = total;
            self.memory_peak = self.memory_peak.max(total);
        } else {
            self.memory_refused = true;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_within_the_cap_is_allowed_and_recorded_as_the_peak() {
        let mut limits = GuestLimits::new(1 << 20);
        assert!(limits.memory_growing(0, 64 << 10, None).unwrap());
        assert!(limits.memory_growing(64 << 10, 1 << 20, None).unwrap());
        assert!(limits.memory_growing(1 << 20, 512 << 10, None).unwrap());
        assert_eq!(
            limits.memory_peak,
            1 << 20,
            "the peak stays at the largest size"
        );
        assert!(!limits.memory_refused);
    }

    #[test]
    fn growth_past_the_cap_is_refused_and_remembered() {
        let mut limits = GuestLimits::new(1 << 20);
        assert!(!limits.memory_growing(0, (1 << 20) + 1, None).unwrap());
        assert!(limits.memory_refused);
        assert_eq!(limits.memory_peak, 0, "refused growth is not a peak");
        assert_eq!(limits.memory_cap(), 1 << 20);
    }

    #[test]
    fn the_cap_is_for_all_memories_together() {
        let mut limits = GuestLimits::new(1 << 20);
        assert!(
            limits.memory_growing(0, 64 << 10, None).unwrap(),
            "memory A"
        );
        assert!(
            limits.memory_growing(0, 64 << 10, None).unwrap(),
            "memory B"
        );
        assert!(
            limits.memory_growing(64 << 10, 512 << 10, None).unwrap(),
            "A to 512 KiB: 576 KiB in all"
        );
        assert!(
            !limits.memory_growing(64 << 10, 576 << 10, None).unwrap(),
            "B to 576 KiB would make 1 MiB + 64 KiB"
        );
        assert!(limits.memory_refused);
        assert!(
            limits.memory_growing(64 << 10, 512 << 10, None).unwrap(),
            "B to 512 KiB makes exactly 1 MiB"
        );
        assert_eq!(limits.memory_peak, 1 << 20, "the peak is of the total");
        assert!(
            !limits.memory_growing(0, 64 << 10, None).unwrap(),
            "no room for a third memory"
        );
    }

    #[test]
    fn what_the_host_holds_leaves_less_for_linear_memory() {
        let mut limits = GuestLimits::new(1 << 20);
        let mut held = limits.budget().hold();
        assert!(held.grow(512 << 10));
        assert!(!limits.memory_growing(0, 576 << 10, None).unwrap());
        assert!(limits.memory_growing(0, 512 << 10, None).unwrap());
        assert!(!held.grow(1), "the linear memory took the rest");
        drop(held);
        assert!(limits.memory_growing(512 << 10, 1 << 20, None).unwrap());
    }

    #[test]
    fn a_memory_declared_larger_than_its_maximum_is_refused() {
        let mut limits = GuestLimits::new(1 << 20);
        assert!(!limits.memory_growing(0, 128 << 10, Some(64 << 10)).unwrap());
        assert_eq!(limits.memory_peak, 0);
    }

    #[test]
    fn tables_and_instance_counts_are_bounded() {
        let mut limits = GuestLimits::new(1 << 20);
        assert!(limits.table_growing(0, MAX_TABLE_ELEMENTS, None).unwrap());
        assert!(
            !limits
                .table_growing(0, MAX_TABLE_ELEMENTS + 1, None)
                .unwrap()
        );
        assert_eq!(limits.instances(), MAX_INSTANCES);
        assert_eq!(limits.tables(), MAX_TABLES);
        assert_eq!(limits.memories(), MAX_MEMORIES);
    }
}
