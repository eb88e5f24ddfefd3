//! Offers (docs/scenario-format.md, "Offers"): a lead is offered before it
//! is assigned. `single` offers it to the rule's choice; `broadcast` to the
//! rule's first `to` at once, and the first to accept takes it. A refusal
//! by everyone offered, or the window closing, starts the next round among
//! partners not yet offered this lead; after `max_rounds` rounds the lead
//! goes to `then`.

use super::lead::{push_partner, LeadState};
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

/// The offers made in a run: who was offered each lead (as linked lists,
/// per lead, in `offered`), and each offer's answer (by the same index),
/// drawn when the offer is made.
#[derive(Debug, Default)]
pub(super) struct Offers {
    /// Linked lists of partners offered a lead: (partner, next entry).
    pub(super) offered: Vec<(u32, u32)>,
    replies: Vec<Reply>,
    /// A round's refusals in the order they came, for the observer.
    refusals: Vec<(f64, u32)>,
}

impl Offers {
    pub(super) fn start(&mut self) {
        self.offered.clear();
        self.replies.clear();
    }

    /// The index the next offer will take.
    pub(super) fn next(&self) -> u32 {
        self.offered.len() as u32
    }

    /// Offer `i`'s partner and answer.
    pub(super) fn get(&self, i: u32) -> (u32, Reply) {
        (self.offered[i as usize].0, self.replies[i as usize])
    }

    /// The lead in `st` is offered to `partner`, which will answer `reply`.
    pub(super) fn make(&mut self, st: &mut LeadState, partner: u32, reply: Reply) {
        push_partner(
            &mut self.offered,
            &mut st.offered_head,
            &mut st.offered_mask,
            partner,
        );
        st.offered_n = st.offered_n.saturating_add(1);
        self.replies.push(reply);
    }

    /// The answers of the lead's current round, from offer `round_first`.
    fn round(&self, st: &LeadState) -> &[Reply] {
        &self.replies[st.round_first as usize..][..st.pending as usize]
    }

    /// What decides the lead's round next, after the answer `after` (see
    /// [`Decider`]).
    pub(super) fn decision(&self, st: &LeadState, after: Option<(f64, u32)>) -> Next {
        let mut decider = Decider::new(after);
        for (i, &r) in self.round(st).iter().enumerate() {
            decider.see(r, st.round_first + i as u32);
        }
        decider.next()
    }

    /// The round's refusals that came up to `until` (all of them when
    /// `None`): how many, and, when `ordered`, which (as (time, partner))
    /// in the order they came (a sort per round, so only when wanted).
    pub(super) fn refusals(
        &mut self,
        st: &LeadState,
        until: Option<(f64, u32)>,
        ordered: bool,
    ) -> (u32, impl Iterator<Item = (f64, u32)> + '_) {
        let first = st.round_first;
        let round = &self.replies[first as usize..][..st.pending as usize];
        let refused = round.iter().enumerate().filter(move |&(i, r)| {
            !r.accept
                && r.at.is_finite()
                && until.is_none_or(|u| !later((r.at, first + i as u32), u))
        });
        self.refusals.clear();
        let count = if ordered {
            let keyed = refused.map(|(i, r)| (r.at, first + i as u32));
            self.refusals.extend(keyed);
            self.refusals
                .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            self.refusals.len() as u32
        } else {
            refused.count() as u32
        };
        let offered = &self.offered;
        let named = self
            .refusals
            .iter()
            .map(|&(at, i)| (at, offered[i as usize].0));
        (count, named)
    }

    /// Offers of the round left unanswered when its window closed.
    pub(super) fn timeouts(&self, st: &LeadState) -> u32 {
        self.round(st).iter().filter(|r| !r.at.is_finite()).count() as u32
    }
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

    /// Answer `reply` of the offers made (its index among the offers made).
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
