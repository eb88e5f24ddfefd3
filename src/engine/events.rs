//! The event calendar: a min-heap of timed events with a deterministic tie
//! order (insertion sequence), so equal-time events always run in the same
//! order.

use dary_heap::QuaternaryHeap;
use std::cmp::Ordering;

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

/// An event and its order key: the time's bits (times are >= 0, and the
/// bits of non-negative floats order as the floats do) above the insertion
/// sequence, so one integer comparison orders by time, then by sequence.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    key: u128,
    kind: EventKind,
}

impl Scheduled {
    fn time(&self) -> f64 {
        f64::from_bits((self.key >> 64) as u64)
    }
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed, so that `QuaternaryHeap` (a max-heap) pops the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Pending events, earliest first; ties in scheduling order.
#[derive(Debug, Default)]
pub struct Calendar {
    heap: QuaternaryHeap<Scheduled>,
    next_seq: u64,
}

impl Calendar {
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }

    #[inline]
    pub fn schedule(&mut self, time: f64, kind: EventKind) {
        debug_assert!(time >= 0.0, "event times are never negative");
        // +0.0 turns -0.0 into 0.0, so that the bits order as the values do.
        let bits = (time + 0.0).to_bits() as u128;
        self.heap.push(Scheduled {
            key: (bits << 64) | self.next_seq as u128,
            kind,
        });
        self.next_seq += 1;
    }

    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(Scheduled::time)
    }

    #[inline]
    pub fn pop(&mut self) -> Option<(f64, EventKind)> {
        self.heap.pop().map(|e| (e.time(), e.kind))
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
}
