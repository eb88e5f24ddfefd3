//! Holders' capacity and queues: each partner (and the house, after them)
//! works up to its capacity at once and queues the rest in arrival order.

use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub(super) struct Holder {
    pub(super) capacity: u32,
    pub(super) working: u32,
    /// Live entries in `queue` (taken-back entries stay until popped).
    pub(super) queued: u32,
    pub(super) queue: VecDeque<(u32, u16)>,
}

impl Holder {
    /// What `least_loaded` compares: (leads worked and waiting, capacity).
    #[inline]
    pub(super) fn load(&self) -> (u64, u64) {
        ((self.working + self.queued) as u64, self.capacity as u64)
    }
}
