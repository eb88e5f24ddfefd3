//! Offers (docs/scenario-format.md, "Offers"): a lead is offered before it
//! is assigned. `single` offers it to the rule's choice; `broadcast` to the
//! rule's first `to` at once, and the first to accept takes it. A refusal
//! by everyone offered, or the window closing, starts the next round among
//! partners not yet offered this lead; after `max_rounds` rounds the lead
//! goes to `then`.

use super::rng::{Purpose, Streams};
use crate::calendar::Span;
use crate::model::Team;

/// An offer's answer, drawn when the offer is made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply {
    /// When it comes; infinite when it would come after the window closes
    /// (silence).
    pub at: f64,
    pub accept: bool,
}

/// An offer of a lead to a partner, as its answer depends on it.
pub(super) struct Offer<'a> {
    pub(super) team: &'a Team,
    /// Every one of the partner's slots is taken.
    pub(super) full: bool,
    pub(super) accept_rate: f64,
    pub(super) score: f64,
    pub(super) lead: u32,
    /// The answer's draws' key.
    pub(super) key: u64,
}

impl Offer<'_> {
    /// The answer to the offer made at `t`: refused at once when the
    /// partner is full and refuses then; otherwise accepted with its
    /// acceptance chance (moved by the lead's score and its selectivity),
    /// after its answer time in working hours (`span` is its remembered
    /// stretch of working time). An answer later than the window is
    /// silence.
    pub(super) fn answer(&self, streams: &Streams, span: &mut Span, t: f64, window: f64) -> Reply {
        let team = self.team;
        if team.reject_when_full && self.full {
            return Reply {
                at: t,
                accept: false,
            };
        }
        if let Some(hours) = &team.hours {
            // Closed past the window: silence, whatever the draws would be.
            if hours.earliest_from(span, t) - t > window {
                return Reply {
                    at: f64::INFINITY,
                    accept: false,
                };
            }
        }
        let (lead, key) = (self.lead as u64, self.key);
        let chance = (self.accept_rate + team.selectivity * (self.score - 0.5)).clamp(0.0, 1.0);
        let accept = streams.uniform(Purpose::Accept, lead, key) < chance;
        let delay = team
            .accept_hours
            .sample(&mut streams.rng(Purpose::AcceptTime, lead, key))
            .max(0.0);
        let answer_at = match &team.hours {
            None => t + delay,
            Some(hours) => hours.add_working_from(span, t, delay),
        };
        Reply {
            at: if answer_at - t <= window {
                answer_at
            } else {
                f64::INFINITY
            },
            accept,
        }
    }
}

/// What decides a round next: the answer at an index, or the window closing.
pub(super) enum Next {
    Answer(f64, u32),
    Expire,
}

/// Finds what decides a round from its answers, seen one by one (in any
/// order), after the answer `after` (none: from the round's start): the
/// first acceptance; failing that, the last answer when every offer is
/// answered; failing that, the window's end.
pub(super) struct Decider {
    after: Option<(f64, u32)>,
    accept: Option<(f64, u32)>,
    last: Option<(f64, u32)>,
    silent: bool,
}

impl Decider {
    pub(super) fn new(after: Option<(f64, u32)>) -> Self {
        Decider {
            after,
            accept: None,
            last: None,
            silent: false,
        }
    }

    pub(super) fn is_after(&self, key: (f64, u32)) -> bool {
        self.after.is_none_or(|a| later(key, a))
    }

    /// Answer `reply` of the offers made (its index in `Scratch::replies`).
    #[inline]
    pub(super) fn see(&mut self, r: Reply, reply: u32) {
        let key = (r.at, reply);
        if !r.at.is_finite() {
            self.silent = true;
            return;
        }
        if r.accept && self.is_after(key) && self.accept.is_none_or(|a| later(a, key)) {
            self.accept = Some(key);
        }
        if self.last.is_none_or(|l| later(key, l)) {
            self.last = Some(key);
        }
    }

    pub(super) fn next(&self) -> Next {
        match (self.accept, self.last) {
            (Some((at, i)), _) => Next::Answer(at, i),
            (None, Some((at, i))) if !self.silent && self.is_after((at, i)) => Next::Answer(at, i),
            _ => Next::Expire,
        }
    }
}

/// Orders answers as the event calendar would have: by time, then in the
/// order the offers were made.
#[inline]
pub(super) fn later(a: (f64, u32), b: (f64, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 > b.1)
}
