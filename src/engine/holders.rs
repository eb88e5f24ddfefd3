//! Holders' capacity and queues: each partner (and the house, after them)
//! works up to its capacity of leads at once and queues the rest in the
//! order they came. A taken-back lead's entry stays in the queue, stale,
//! until it is popped; [`Holder::load`] counts live entries only.

use std::collections::VecDeque;

use crate::calendar::Span;

/// One holder's slots and queue.
#[derive(Debug, Clone, Default)]
pub(super) struct Holder {
    capacity: u32,
    working: u32,
    /// Live entries in `queue` (taken-back entries stay until popped).
    queued: u32,
    /// (lead, the lead's attempt when it queued).
    queue: VecDeque<(u32, u16)>,
}

impl Holder {
    /// What `least_loaded` compares: (leads worked and waiting, capacity).
    #[inline]
    pub(super) fn load(&self) -> (u64, u64) {
        ((self.working + self.queued) as u64, self.capacity as u64)
    }

    /// Every slot is taken.
    #[inline]
    pub(super) fn is_full(&self) -> bool {
        self.working >= self.capacity
    }

    pub(super) fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// Every holder of a run: the partners, then the house.
#[derive(Debug, Default)]
pub(super) struct Holders {
    list: Vec<Holder>,
    /// Each holder's remembered stretch of working or closed time, beside
    /// `list` so that the least-loaded scans stay dense.
    spans: Vec<Span>,
}

impl Holders {
    /// Ready for a run: one holder per capacity, nothing worked or queued.
    pub(super) fn start(&mut self, capacities: impl Iterator<Item = u32>) {
        self.list.clear();
        self.list.extend(capacities.map(|capacity| Holder {
            capacity,
            ..Holder::default()
        }));
        self.spans.clear();
        self.spans.resize(self.list.len(), Span::default());
    }

    pub(super) fn all(&self) -> &[Holder] {
        &self.list
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Holder `h`'s remembered stretch of working or closed time.
    pub(super) fn span(&mut self, h: u32) -> &mut Span {
        &mut self.spans[h as usize]
    }

    /// Holder `h` has a free slot.
    #[inline]
    pub(super) fn has_room(&self, h: u32) -> bool {
        !self.list[h as usize].is_full()
    }

    /// Holder `h` takes a slot.
    #[inline]
    pub(super) fn take_slot(&mut self, h: u32) {
        self.list[h as usize].working += 1;
    }

    /// Holder `h` gives a slot back.
    #[inline]
    pub(super) fn release_slot(&mut self, h: u32) {
        self.list[h as usize].working -= 1;
    }

    /// The lead (at its `attempt`) waits in holder `h`'s queue.
    pub(super) fn enqueue(&mut self, h: u32, lead: u32, attempt: u16) {
        let holder = &mut self.list[h as usize];
        holder.queue.push_back((lead, attempt));
        holder.queued += 1;
    }

    /// The entry at the front of holder `h`'s queue, taken off it, when `h`
    /// has a free slot. The caller says whether it is live
    /// ([`Self::forget_queued`] when it is).
    pub(super) fn next_waiting(&mut self, h: u32) -> Option<(u32, u16)> {
        let holder = &mut self.list[h as usize];
        if holder.is_full() {
            return None;
        }
        holder.queue.pop_front()
    }

    /// A live entry of holder `h`'s queue leaves it (its entry, if still
    /// in the queue, is stale from now on).
    #[inline]
    pub(super) fn forget_queued(&mut self, h: u32) {
        self.list[h as usize].queued -= 1;
    }

    /// Holder `h`'s queue, taken whole (its live count is the caller's to
    /// settle with [`Self::forget_queued`]).
    pub(super) fn take_queue(&mut self, h: u32) -> VecDeque<(u32, u16)> {
        std::mem::take(&mut self.list[h as usize].queue)
    }

    /// Leads waiting in holder `h`'s queue.
    pub(super) fn queued(&self, h: u32) -> u32 {
        self.list[h as usize].queued
    }

    /// Holder `from` is absorbed by `to` (consolidation): `to` takes over
    /// its capacity and the leads it works; `from`'s queue is returned for
    /// the caller to move, in order.
    pub(super) fn absorb(&mut self, from: u32, to: u32) -> VecDeque<(u32, u16)> {
        let gone = std::mem::take(&mut self.list[from as usize]);
        let to = &mut self.list[to as usize];
        to.working += gone.working;
        to.capacity += gone.capacity;
        gone.queue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fill_before_the_queue_and_the_queue_in_order() {
        let mut h = Holders::default();
        h.start([1, 2].into_iter());
        assert_eq!(h.len(), 2);
        h.take_slot(0);
        assert!(!h.has_room(0) && h.has_room(1));
        // Full: leads queue, in order; nothing leaves while it is full.
        h.enqueue(0, 7, 0);
        h.enqueue(0, 8, 0);
        assert_eq!(h.queued(0), 2);
        assert_eq!(h.all()[0].load(), (3, 1));
        assert_eq!(h.next_waiting(0), None);
        // A slot frees: the first queued comes out; the caller says it is
        // live and takes the slot.
        h.release_slot(0);
        assert_eq!(h.next_waiting(0), Some((7, 0)));
        h.forget_queued(0);
        h.take_slot(0);
        assert_eq!(h.all()[0].load(), (2, 1));
        // A taken-back lead's entry is forgotten at once and stays stale
        // in the queue until popped.
        h.forget_queued(0);
        assert_eq!(h.queued(0), 0);
        assert_eq!(h.all()[0].load(), (1, 1));
        h.release_slot(0);
        assert_eq!(h.next_waiting(0), Some((8, 0)));
    }

    #[test]
    fn an_acquirer_absorbs_capacity_work_and_queue() {
        let mut h = Holders::default();
        h.start([1, 2].into_iter());
        h.take_slot(0);
        h.enqueue(0, 5, 1);
        h.take_slot(1);
        let queue = h.absorb(0, 1);
        assert_eq!(queue.into_iter().collect::<Vec<_>>(), vec![(5, 1)]);
        // The acquirer works both leads with both capacities; the acquired
        // holds nothing.
        assert_eq!(h.all()[1].load(), (2, 3));
        assert_eq!(h.all()[0].load(), (0, 0));
        // A new run forgets it all.
        h.start([4].into_iter());
        assert_eq!(h.all()[0].load(), (0, 4));
    }
}
