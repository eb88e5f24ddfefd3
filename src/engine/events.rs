//! The event calendar: a min-heap of timed events with a deterministic tie
//! order (insertion sequence), so equal-time events always run in the same
//! order.

use dary_heap::QuaternaryHeap;
use std::cmp::Reverse;
use std::collections::VecDeque;

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
/// Each event has an order key: the time's bits (times are >= 0, and the
/// bits of non-negative floats order as the floats do), then the insertion
/// sequence, then (in the heap) the slot in `kinds` where the event waits.
/// One integer comparison orders by time, then by sequence (unique, so the
/// slot never decides). The heap holds only keys, 16 bytes each, so
/// sifting moves half the bytes it would with the event beside its key.
///
/// Events whose times mostly come in order (an offer window's end is its
/// start plus the policy's window; a calendar-clock SLA deadline is its
/// assignment plus the SLA's hours) may go to a [`Lane`] instead, a queue
/// popped from the front: an event goes there when it is no earlier than
/// the lane's last, else to the heap, and the fronts are compared at each
/// pop, so the order is the same as with the heap alone.
#[derive(Debug, Default)]
pub struct Calendar {
    heap: QuaternaryHeap<Reverse<u128>>,
    kinds: Vec<EventKind>,
    /// Slots of `kinds` whose events have been popped.
    free: Vec<u32>,
    lanes: [VecDeque<(u128, EventKind)>; LANES],
    next_seq: u32,
}

/// The in-order lanes beside the heap, one per kind of event whose times
/// come in order among themselves.
#[derive(Debug, Clone, Copy)]
pub enum Lane {
    /// Offer windows' ends.
    Windows,
    /// SLA deadlines on the calendar clock.
    Deadlines,
}

const LANES: usize = 2;

impl Calendar {
    pub fn clear(&mut self) {
        self.heap.clear();
        self.kinds.clear();
        self.free.clear();
        self.lanes.iter_mut().for_each(VecDeque::clear);
        self.next_seq = 0;
    }

    /// The order key of an event at `time` scheduled now, without a slot.
    #[inline]
    fn next_key(&mut self, time: f64) -> u128 {
        debug_assert!(time >= 0.0, "event times are never negative");
        if self.next_seq == u32::MAX {
            self.renumber();
        }
        // +0.0 turns -0.0 into 0.0, so that the bits order as the values do.
        let bits = (time + 0.0).to_bits() as u128;
        let key = bits << 64 | (self.next_seq as u128) << 32;
        self.next_seq += 1;
        key
    }

    #[inline]
    fn push_heap(&mut self, key: u128, kind: EventKind) {
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
        self.heap.push(Reverse(key | slot as u128));
    }

    #[inline]
    pub fn schedule(&mut self, time: f64, kind: EventKind) {
        let key = self.next_key(time);
        self.push_heap(key, kind);
    }

    /// [`Self::schedule`] for an event whose time is usually no earlier
    /// than the last one scheduled in `lane`: it skips the heap when so.
    #[inline]
    pub fn schedule_in_order(&mut self, lane: Lane, time: f64, kind: EventKind) {
        let key = self.next_key(time);
        let lane = &mut self.lanes[lane as usize];
        if lane.back().is_none_or(|&(last, _)| last < key) {
            lane.push_back((key, kind));
        } else {
            self.push_heap(key, kind);
        }
    }

    /// Numbers the pending events again from 0 in their order, when the
    /// sequence would run out (after 4 billion events in one run).
    #[cold]
    fn renumber(&mut self) {
        // Each key with what to keep: a heap key's slot, or a mark (above
        // any slot) with the lane's number for a lane key.
        const LANE: u128 = 1 << 64;
        let mut keys: Vec<(u128, u128)> =
            self.heap
                .drain()
                .map(|Reverse(k)| (k, k & u32::MAX as u128))
                .chain(
                    self.lanes.iter().enumerate().flat_map(|(i, lane)| {
                        lane.iter().map(move |&(k, _)| (k, LANE + i as u128))
                    }),
                )
                .collect();
        keys.sort_unstable();
        // Each lane is in order, so its entries come in lane order.
        let mut lanes = self.lanes.each_mut().map(|lane| lane.iter_mut());
        for (seq, &(key, tag)) in keys.iter().enumerate() {
            let renumbered = (key >> 64) << 64 | (seq as u128) << 32;
            if tag >= LANE {
                lanes[(tag - LANE) as usize].next().expect("counted").0 = renumbered;
            } else {
                self.heap.push(Reverse(renumbered | tag));
            }
        }
        self.next_seq = keys.len() as u32;
    }

    /// The earliest key, and the lane it is in (none: the heap).
    #[inline]
    fn front(&self) -> Option<(u128, Option<usize>)> {
        let mut front = self.heap.peek().map(|&Reverse(k)| (k, None));
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(&(k, _)) = lane.front() {
                if front.is_none_or(|(f, _)| k < f) {
                    front = Some((k, Some(i)));
                }
            }
        }
        front
    }

    /// The earliest event, if it is due by `until`, taken off the calendar.
    #[inline]
    pub fn pop_until(&mut self, until: f64) -> Option<(f64, EventKind)> {
        let (key, from_lane) = self.front()?;
        let time = f64::from_bits((key >> 64) as u64);
        if time > until {
            return None;
        }
        if let Some(lane) = from_lane {
            let (_, kind) = self.lanes[lane].pop_front().expect("peeked");
            return Some((time, kind));
        }
        self.heap.pop();
        let slot = key as u32;
        self.free.push(slot);
        Some((time, self.kinds[slot as usize]))
    }

    /// The earliest event, taken off the calendar.
    #[cfg(test)]
    fn pop(&mut self) -> Option<(f64, EventKind)> {
        self.pop_until(f64::INFINITY)
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
    fn lanes_and_heap_pop_as_one_heap_would() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
        for case in 0..200 {
            // Some cases run the sequence out mid-way.
            let mut c = Calendar {
                next_seq: if case % 4 == 0 { u32::MAX - 50 } else { 0 },
                ..Calendar::default()
            };
            // The reference: (time, scheduling order, lead), earliest first.
            let mut reference: Vec<(f64, u32, u32)> = Vec::new();
            let mut now = 0.0;
            for n in 0..300u32 {
                if rng.random_bool(0.6) {
                    // Whole and half hours, so ties are common; lane times
                    // mostly in order, sometimes not.
                    let time = now + (rng.random_range(0..16) as f64) / 2.0;
                    let kind = EventKind::Close { lead: n };
                    match rng.random_range(0..3) {
                        0 => c.schedule(time, kind),
                        1 => c.schedule_in_order(Lane::Windows, time, kind),
                        _ => c.schedule_in_order(Lane::Deadlines, time, kind),
                    }
                    reference.push((time, n, n));
                } else {
                    let until = now + rng.random_range(0..4) as f64;
                    reference.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let expected = reference.first().filter(|e| e.0 <= until).copied();
                    let got = c.pop_until(until);
                    assert_eq!(
                        got,
                        expected.map(|(t, _, lead)| (t, EventKind::Close { lead })),
                        "case {case} step {n}"
                    );
                    if let Some((t, _)) = got {
                        reference.remove(0);
                        now = t;
                    }
                }
            }
        }
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
