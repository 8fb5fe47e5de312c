//! An invocation's memory cap, shared by everything that counts against it: the guest's linear
//! memories and the bytes the host holds on the guest's behalf (a request body held to sign
//! it). One cap for both, so that a guest cannot make the host hold more than the memory it was
//! given, however it splits its requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes one invocation may have, and how many it has now. Clones share the count.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    cap: usize,
    used: AtomicUsize,
}

impl MemoryBudget {
    /// A budget of `cap` bytes, none of them used.
    pub fn new(cap: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                cap,
                used: AtomicUsize::new(0),
            }),
        }
    }

    /// The most bytes the invocation may have.
    pub fn cap(&self) -> usize {
        self.shared.cap
    }

    /// Takes `bytes` more, or nothing when that would pass the cap.
    pub fn take(&self, bytes: usize) -> bool {
        let cap = self.shared.cap;
        self.shared
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= cap)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.shared.used.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// An empty hold on this budget, for bytes the host keeps until the hold is dropped.
    pub fn hold(&self) -> Held {
        Held {
            budget: self.clone(),
            bytes: 0,
        }
    }
}

/// Bytes the host holds for an invocation: counted against its budget until dropped.
#[derive(Debug)]
pub struct Held {
    budget: MemoryBudget,
    bytes: usize,
}

impl Held {
    /// Holds `bytes` more, or nothing when that would pass the budget's cap.
    pub fn grow(&mut self, bytes: usize) -> bool {
        let taken = self.budget.take(bytes);
        if taken {
            self.bytes += bytes;
        }
        taken
    }

    /// The bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The budget's cap.
    pub fn cap(&self) -> usize {
        self.budget.cap()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_up_to_the_cap_and_a_hold_gives_back_when_dropped() {
        let budget = MemoryBudget::new(100);
        assert!(budget.take(60));
        let mut held = budget.hold();
        assert!(held.grow(40));
        assert!(!held.grow(1), "at the cap");
        assert!(!budget.take(1));
        assert_eq!(held.bytes(), 40);
        drop(held);
        assert!(budget.take(40), "the hold's bytes came back");
        assert!(!budget.take(1));
    }

    #[test]
    fn clones_share_one_count() {
        let budget = MemoryBudget::new(10);
        let clone = budget.clone();
        assert!(clone.take(10));
        assert!(!budget.take(1));
        assert!(!budget.take(usize::MAX), "no overflow");
    }
}
