//! The engine's watchers: an [`Observer`] is told of each decision as it
//! happens (traces and tests watch runs this way).

/// Why a lead was taken back from its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBack {
    /// Its SLA deadline passed before first contact.
    Sla,
    /// Its holder left the programme while the lead waited in its queue.
    PartnerLeft,
}

/// Watches what happens to each lead. Every method defaults to doing
/// nothing, and `simulate` is generic over the observer, so an observer
/// that ignores everything costs nothing. A holder is a partner index, or
/// `partners.len()` for the house.
pub trait Observer {
    fn arrived(&mut self, _time: f64, _lead: u32, _score: f64) {}
    fn below_threshold(&mut self, _time: f64, _lead: u32) {}
    /// The lead went to `holder`; `eligible` partners could have had it.
    fn assigned(&mut self, _time: f64, _lead: u32, _holder: u32, _eligible: u32) {}
    fn queued(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    fn started(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    fn taken_back(&mut self, _time: f64, _lead: u32, _holder: u32, _why: TakeBack) {}
    fn contacted(&mut self, _time: f64, _lead: u32, _holder: u32, _opportunity: bool) {}
    fn closed(&mut self, _time: f64, _lead: u32, _holder: u32, _won: bool, _revenue: f64) {}
    /// A partner was paid `amount` (after caps) on account of the lead.
    fn paid(&mut self, _time: f64, _lead: u32, _holder: u32, _amount: f64) {}
    /// A partner reviewed its earnings: it saw `received` (money received
    /// since its last review) and set its effort.
    fn reviewed(&mut self, _time: f64, _partner: u32, _received: f64, _effort: f64) {}
    /// The reserve gave the lead to `partner`, bypassing the rule.
    fn reserved(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// The lead was discarded and will come back at `back` (`nurture`).
    fn nurtured(&mut self, _time: f64, _lead: u32, _back: f64) {}
    /// A nurtured lead came back, scored `score`.
    fn came_back(&mut self, _time: f64, _lead: u32, _score: f64) {}
    /// A SPIFF of `amount` (after the cap) was paid on the lead's win.
    fn spiff(&mut self, _time: f64, _lead: u32, _holder: u32, _amount: f64) {}
    /// The partner's opportunity is worked with the house (`co_sell`).
    fn co_sold(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    /// The lead went to `partner` under its exclusive territory.
    fn exclusive(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// `partner` moved from tier `from` to tier `to` at a review.
    fn tier_changed(&mut self, _time: f64, _partner: u32, _from: usize, _to: usize) {}
    /// `partner` lost its exclusive territory at a review.
    fn exclusivity_revoked(&mut self, _time: f64, _partner: u32) {}
    /// A partner was paid its signing bonus.
    fn signed(&mut self, _time: f64, _partner: u32, _amount: f64) {}
    /// The lead moved from `from` to `to` with its state (consolidation).
    fn moved(&mut self, _time: f64, _lead: u32, _from: u32, _to: u32) {}
    /// The SLA's `max_reroutes` ran out: the lead goes to the SLA's `then`.
    fn escalated(&mut self, _time: f64, _lead: u32) {}
    fn unrouted(&mut self, _time: f64, _lead: u32) {}
    /// A partner-sourced lead in `segment` arrived at `partner`, which
    /// works it alone.
    fn sourced(&mut self, _time: f64, _lead: u32, _partner: u32, _segment: u32) {}
    /// The lead went to `partner` because it registered the deal
    /// (`registration`) or holds the account (otherwise).
    fn account(&mut self, _time: f64, _lead: u32, _partner: u32, _registration: bool) {}
    /// A registered lead's first holder is not its registrant.
    fn conflict(&mut self, _time: f64, _lead: u32, _registrant: u32) {}
    fn dropped(&mut self, _time: f64, _lead: u32) {}
    /// The lead was offered to `partner`.
    fn offered(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// `partner` refused the offer.
    fn rejected(&mut self, _time: f64, _lead: u32, _partner: u32) {}
    /// Whether `rejected` is wanted: told of each refusal in the order
    /// they came, which takes a sort per offer round; when not, refusals
    /// are only counted.
    fn hears_refusals(&self) -> bool {
        true
    }
    /// The round's window closed with offers unanswered.
    fn offers_expired(&mut self, _time: f64, _lead: u32) {}
    /// First contact was made but never reached the buyer.
    fn unreached(&mut self, _time: f64, _lead: u32, _holder: u32) {}
    /// A won deal beyond the approved discount was renegotiated to it, and
    /// `won` says whether the buyer still signed.
    fn renegotiated(&mut self, _time: f64, _lead: u32, _holder: u32, _won: bool) {}
}

/// An observer that ignores everything.
pub struct Unobserved;
impl Observer for Unobserved {
    fn hears_refusals(&self) -> bool {
        false
    }
}
