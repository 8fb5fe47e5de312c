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
    /// Lambda Managed Instances: up to this many invocations at once.
    Invocations(u32),
}

impl Concurrency {
    /// How many instances may exist at once: the pool's slots, and the invocations that may run
    /// together (the others wait for a slot).
    pub fn instances(self) -> u32 {
        match self {
            // A few spare slots: an invocation's slot is freed when its store drops.
            Concurrency::Sequential => 1 + SPARE_SLOTS,
            Concurrency::Concurrent => 256,
            Concurrency::Invocations(invocations) => invocations.saturating_add(SPARE_SLOTS),
        }
    }
}

/// Slots beyond the invocations that run at once, for the instances whose stores are still
/// being dropped when the next invocations start.
const SPARE_SLOTS: u32 = 3;

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

/// Memory a slot keeps mapped between instances, reset in place (a memset) instead of unmapped
/// and faulted in again. 128 KiB holds a guest linked with a 64 KiB stack (this workspace's
/// guests, .cargo/config.toml), its data and the first heap pages a small handler dirties: the
/// whole path took 22.8 instead of 35.9 µs (BENCHMARKS.md). More is memset on every instance,
/// whether the guest touched it or not; a guest with Rust's 1 MiB stack dirties pages above it
/// anyway.
///
/// Wasmtime's PAGEMAP_SCAN reset (Linux 6.7+), which resets only dirty pages of a larger region,
/// stays off: in Wasmtime 50 it made the whole path slower here (BENCHMARKS.md), and Lambda's
/// kernels do not have the ioctl anyway.
const KEEP_RESIDENT: usize = 128 << 10;

/// The pooling strategy for guests of at most `memory_bytes` each.
pub(super) fn strategy(
    memory_bytes: usize,
    concurrency: Concurrency,
) -> InstanceAllocationStrategy {
    let size = PoolSize::for_concurrency(concurrency);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(size.component_instances)
        .total_core_instances(size.core_instances)
        .total_memories(size.memories)
        .total_tables(size.tables)
        .total_stacks(size.stacks)
        .max_memory_size(memory_bytes)
        .pagemap_scan(Enabled::No)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(64 << 10);
    InstanceAllocationStrategy::Pooling(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_concurrency_mode_reserves_slots_for_its_invocations() {
        let sequential = PoolSize::for_concurrency(Concurrency::Sequential);
        let concurrent = PoolSize::for_concurrency(Concurrency::Concurrent);
        let managed = PoolSize::for_concurrency(Concurrency::Invocations(16));
        assert_eq!(sequential.component_instances, 4);
        assert_eq!(concurrent.component_instances, 256);
        assert_eq!(managed.component_instances, 16 + SPARE_SLOTS);
        assert_eq!(
            Concurrency::Invocations(1).instances(),
            Concurrency::Sequential.instances()
        );
        for size in [sequential, concurrent, managed] {
            assert_eq!(size.stacks, size.component_instances, "one stack per call");
            assert_eq!(size.memories, 2 * size.component_instances);
            assert_eq!(size.core_instances, 8 * size.component_instances);
            assert_eq!(size.tables, 8 * size.component_instances);
        }
    }
}
