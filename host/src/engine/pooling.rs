//! The pooling instance allocator: how many instances it reserves room for, and how much of a
//! slot's memory stays mapped between instances.

use wasmtime::{Enabled, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How many instances run at once: the pooling allocator reserves a slot for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// Lambda and `invoke`: one invocation at a time.
    Sequential,
    /// `serve`: many requests at once.
    Concurrent,
}

impl Concurrency {
    /// How many instances may exist at once: the pool's slots, and the invocations that may run
    /// together (the others wait for a slot).
    pub fn instances(self) -> u32 {
        match self {
            // A few spare slots: an invocation's slot is freed when its store drops.
            Concurrency::Sequential => 4,
            Concurrency::Concurrent => 256,
        }
    }
}

/// The pool's capacity, derived from the concurrency: one component instance per invocation,
/// with room for the core instances, memories and tables a component is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PoolSize {
    component_instances: u32,
    core_instances: u32,
    memories: u32,
    tables: u32,
    stacks: u32,
}

impl PoolSize {
    fn for_concurrency(concurrency: Concurrency) -> Self {
        let instances = concurrency.instances();
        Self {
            component_instances: instances,
            core_instances: instances * 8,
            memories: instances * 2,
            tables: instances * 8,
            stacks: instances,
        }
    }
}

/// Memory a slot keeps mapped between instances, reset in place instead of unmapped. With
/// Linux's PAGEMAP_SCAN (6.7+) only the pages the guest dirtied are reset, so a larger region
/// costs nothing; without it the whole region is memset every time, so it stays small.
fn keep_resident_bytes(pagemap_scan: bool) -> usize {
    if pagemap_scan { 1 << 20 } else { 64 << 10 }
}

/// The pooling strategy for guests of at most `memory_bytes` each.
pub(super) fn strategy(
    memory_bytes: usize,
    concurrency: Concurrency,
) -> InstanceAllocationStrategy {
    let size = PoolSize::for_concurrency(concurrency);
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(size.component_instances)
        .total_core_instances(size.core_instances)
        .total_memories(size.memories)
        .total_tables(size.tables)
        .total_stacks(size.stacks)
        .max_memory_size(memory_bytes)
        .pagemap_scan(Enabled::Auto)
        .linear_memory_keep_resident(keep_resident_bytes(has_pagemap_scan(&release)))
        .table_keep_resident(64 << 10);
    InstanceAllocationStrategy::Pooling(pool)
}

/// Whether a kernel of this release (`/proc/sys/kernel/osrelease`, e.g. `6.8.0-1019-aws`) has
/// the PAGEMAP_SCAN ioctl, added in Linux 6.7.
fn has_pagemap_scan(release: &str) -> bool {
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().ok());
    let major = numbers.next().flatten().unwrap_or(0);
    let minor = numbers.next().flatten().unwrap_or(0);
    (major, minor) >= (6, 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_from_6_7_have_pagemap_scan() {
        for release in ["6.7.0", "6.8.0-1019-aws", "6.10.3", "7.0.0"] {
            assert!(has_pagemap_scan(release), "{release}");
        }
        for release in [
            "6.6.87.2-microsoft-standard-WSL2",
            "5.10.237-230.949.amzn2.x86_64",
            "4.14",
        ] {
            assert!(!has_pagemap_scan(release), "{release}");
        }
        assert!(
            !has_pagemap_scan(""),
            "an unreadable release is an old kernel"
        );
        assert!(!has_pagemap_scan("six.seven"));
    }

    #[test]
    fn the_resident_region_is_large_only_where_dirty_pages_can_be_found() {
        assert_eq!(keep_resident_bytes(true), 1 << 20);
        assert_eq!(keep_resident_bytes(false), 64 << 10);
    }

    #[test]
    fn each_concurrency_mode_reserves_slots_for_its_invocations() {
        let sequential = PoolSize::for_concurrency(Concurrency::Sequential);
        let concurrent = PoolSize::for_concurrency(Concurrency::Concurrent);
        assert_eq!(sequential.component_instances, 4);
        assert_eq!(concurrent.component_instances, 256);
        for size in [sequential, concurrent] {
            assert_eq!(size.stacks, size.component_instances, "one stack per call");
            assert_eq!(size.memories, 2 * size.component_instances);
            assert_eq!(size.core_instances, 8 * size.component_instances);
            assert_eq!(size.tables, 8 * size.component_instances);
        }
    }
}
