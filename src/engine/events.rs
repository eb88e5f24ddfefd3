//! The event calendar: a min-heap of timed events with a deterministic tie
//! order (insertion sequence), so equal-time events always run in the same
//! order.

use dary_heap::QuaternaryHeap;
use std::cmp::Reverse;

/// What happens to a lead at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The holder's first contact with the lead (attempt-stamped).
    Contact { lead: u32, attempt: u16 },
    /// The SLA deadline of an assignment.
    Deadline { lead: u32, attempt: u16 },
    /// An opportunity closes, won or lost.
    Close { lead: u32 },
    /// Partners review their earnings (effort, exits).
    Review,
    /// A stress world's partner event (exit, consolidation), by index.
    World { event: u16 },
    /// A partner joins the programme (its signing bonus is paid).
    Join { partner: u32 },
    /// The policy reviews exclusive territories against their guardrails.
    ExclusivityReview,
    /// Partners move between tiers on their won revenue (`tiers`).
    TierReview,
    /// A nurtured lead comes back as a new arrival.
    Return { lead: u32 },
    /// A partner-sourced lead arrives (its state waits at `lead`).
    Sourced { lead: u32 },
    /// The end of a payout period: MDF received in it buys sourced leads
    /// over the next (`leads_per_mdf_1000`).
    MdfReview,
    /// The answer that decides offer round `round` of the lead's routing
    /// `attempt` (an acceptance, or the last refusal): entry `reply` of
    /// the offers made.
    OfferAnswer {
        lead: u32,
        attempt: u16,
        round: u16,
        reply: u32,
    },
    /// The end of offer round `round`'s window (routing `attempt`).
    OfferExpire { lead: u32, attempt: u16, round: u16 },
}

/// Pending events, earliest first; ties in scheduling order.
///
/// The heap holds only order keys, 16 bytes each: the time's bits (times
/// are >= 0, and the bits of non-negative floats order as the floats do),
/// then the insertion sequence, then the slot in `kinds` where the event
/// waits. One integer comparison orders by time, then by sequence (unique,
/// so the slot never decides), and sifting moves half the bytes it would
/// with the event beside its key.
#[derive(Debug, Default)]
pub struct Calendar {
    heap: QuaternaryHeap<Reverse<u128>>,
    kinds: Vec<EventKind>,
    /// Slots of `kinds` whose events have been popped.
    free: Vec<u32>,
    next_seq: u32,
}

impl Calendar {
    pub fn clear(&mut self) {
        self.heap.clear();
        self.kinds.clear();
        self.free.clear();
        self.next_seq = 0;
    }

    #[inline]
    pub fn schedule(&mut self, time: f64, kind: EventKind) {
        debug_assert!(time >= 0.0, "event times are never negative");
        let slot = match self.free.pop() {
            Some(slot) => {
                self.kinds[slot as usize] = kind;
                slot
            }
            None => {
                self.kinds.push(kind);
                (self.kinds.len() - 1) as u32
            }
        };
        if self.next_seq == u32::MAX {
            self.renumber();
        }
        // +0.0 turns -0.0 into 0.0, so that the bits order as the values do.
        let bits = (time + 0.0).to_bits() as u128;
        self.heap.push(Reverse(
            bits << 64 | (self.next_seq as u128) << 32 | slot as u128,
        ));
        self.next_seq += 1;
    }

    /// Numbers the pending events again from 0 in their order, when the
    /// sequence would run out (after 4 billion events in one run).
    #[cold]
    fn renumber(&mut self) {
        let mut keys: Vec<u128> = self.heap.drain().map(|Reverse(k)| k).collect();
        keys.sort_unstable();
        for (seq, key) in keys.iter().enumerate() {
            let (time, slot) = (key >> 64, key & u32::MAX as u128);
            self.heap
                .push(Reverse(time << 64 | (seq as u128) << 32 | slot));
        }
        self.next_seq = keys.len() as u32;
    }

    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap
            .peek()
            .map(|Reverse(key)| f64::from_bits((key >> 64) as u64))
    }

    #[inline]
    pub fn pop(&mut self) -> Option<(f64, EventKind)> {
        let Reverse(key) = self.heap.pop()?;
        let slot = key as u32;
        self.free.push(slot);
        Some((
            f64::from_bits((key >> 64) as u64),
            self.kinds[slot as usize],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut c = Calendar::default();
        c.schedule(2.0, EventKind::Close { lead: 0 });
        c.schedule(1.0, EventKind::Close { lead: 1 });
        c.schedule(2.0, EventKind::Close { lead: 2 });
        c.schedule(0.5, EventKind::Close { lead: 3 });
        let order: Vec<u32> = std::iter::from_fn(|| c.pop())
            .map(|(_, k)| match k {
                EventKind::Close { lead } => lead,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![3, 1, 0, 2]);
    }

    #[test]
    fn the_order_survives_the_sequence_running_out() {
        // Three sequence numbers before the renumbering: ties scheduled on
        // both sides of it keep their scheduling order.
        let mut c = Calendar {
            next_seq: u32::MAX - 3,
            ..Calendar::default()
        };
        for (lead, time) in [(0, 5.0), (1, 1.0), (2, 5.0), (3, 1.0), (4, 5.0), (5, 0.5)] {
            c.schedule(time, EventKind::Close { lead });
        }
        assert!(c.next_seq < 10, "renumbered from 0: {}", c.next_seq);
        let order: Vec<u32> = std::iter::from_fn(|| c.pop())
            .map(|(_, k)| match k {
                EventKind::Close { lead } => lead,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![5, 1, 3, 0, 2, 4]);
        // Popped slots are reused.
        c.schedule(2.0, EventKind::Close { lead: 9 });
        assert_eq!(c.kinds.len(), 6);
        assert_eq!(c.pop(), Some((2.0, EventKind::Close { lead: 9 })));
    }
}
