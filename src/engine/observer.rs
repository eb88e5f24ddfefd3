//! The engine's watchers: an [`Observer`] is told of each [`Event`] as it
//! happens (traces and tests watch runs this way). The events are one
//! list, this enum: an observer matches on it, and the compiler shows every
//! observer that must say what it makes of a new one.

/// Why a lead was taken back from its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakeBack {
    /// Its SLA deadline passed before first contact.
    Sla,
    /// Its holder left the programme while the lead waited in its queue.
    PartnerLeft,
}

/// What the engine did, at a moment of the run. A holder is a partner
/// index, or `partners.len()` for the house.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// The lead arrived, scored `score`.
    Arrived { lead: u32, score: f64 },
    /// Its score is below the policy's threshold.
    BelowThreshold { lead: u32 },
    /// The lead went to `holder`; `eligible` partners could have had it.
    Assigned {
        lead: u32,
        holder: u32,
        eligible: u32,
    },
    /// The lead waits in `holder`'s queue.
    Queued { lead: u32, holder: u32 },
    /// `holder` took a slot and works the lead.
    Started { lead: u32, holder: u32 },
    /// The lead was taken back from `holder`, and `why`.
    TakenBack {
        lead: u32,
        holder: u32,
        why: TakeBack,
    },
    /// First contact was made; `opportunity` says whether it qualified.
    Contacted {
        lead: u32,
        holder: u32,
        opportunity: bool,
    },
    /// The opportunity closed, won (for `revenue`) or lost.
    Closed {
        lead: u32,
        holder: u32,
        won: bool,
        revenue: f64,
    },
    /// A partner was paid `amount` (after caps) on account of the lead.
    Paid { lead: u32, holder: u32, amount: f64 },
    /// A partner reviewed its earnings: it saw `received` (money received
    /// since its last review) and set its effort.
    Reviewed {
        partner: u32,
        received: f64,
        effort: f64,
    },
    /// The reserve gave the lead to `partner`, bypassing the rule.
    Reserved { lead: u32, partner: u32 },
    /// The lead was discarded and will come back at `back` (`nurture`).
    Nurtured { lead: u32, back: f64 },
    /// A nurtured lead came back, scored `score`.
    CameBack { lead: u32, score: f64 },
    /// A SPIFF of `amount` (after the cap) was paid on the lead's win.
    Spiff { lead: u32, holder: u32, amount: f64 },
    /// The partner's opportunity is worked with the house (`co_sell`).
    CoSold { lead: u32, holder: u32 },
    /// The lead went to `partner` under its exclusive territory.
    Exclusive { lead: u32, partner: u32 },
    /// `partner` moved from tier `from` to tier `to` at a review.
    TierChanged {
        partner: u32,
        from: usize,
        to: usize,
    },
    /// `partner` lost its exclusive territory at a review.
    ExclusivityRevoked { partner: u32 },
    /// A partner was paid its signing bonus.
    Signed { partner: u32, amount: f64 },
    /// The lead moved from `from` to `to` with its state (consolidation).
    Moved { lead: u32, from: u32, to: u32 },
    /// The SLA's `max_reroutes` ran out: the lead goes to the SLA's `then`.
    Escalated { lead: u32 },
    /// The lead reached nobody: no partner took it and there is no house.
    Unrouted { lead: u32 },
    /// A partner-sourced lead in `segment` arrived at `partner`, which
    /// works it alone.
    Sourced {
        lead: u32,
        partner: u32,
        segment: u32,
    },
    /// The lead went to `partner` because it registered the deal
    /// (`registration`) or holds the account (otherwise).
    Account {
        lead: u32,
        partner: u32,
        registration: bool,
    },
    /// A registered lead's first holder is not its registrant.
    Conflict { lead: u32, registrant: u32 },
    /// A lead taken back and given to nobody: lost.
    Dropped { lead: u32 },
    /// The lead was offered to `partner`.
    Offered { lead: u32, partner: u32 },
    /// `partner` refused the offer.
    Rejected { lead: u32, partner: u32 },
    /// The round's window closed with offers unanswered.
    OffersExpired { lead: u32 },
    /// First contact was made but never reached the buyer.
    Unreached { lead: u32, holder: u32 },
    /// A won deal beyond the approved discount was renegotiated to it, and
    /// `won` says whether the buyer still signed.
    Renegotiated { lead: u32, holder: u32, won: bool },
}

/// Watches what happens to each lead. `simulate` is generic over the
/// observer, so an observer that ignores everything costs nothing.
pub trait Observer {
    /// `event` happened at `time` (hours into the run).
    fn event(&mut self, _time: f64, _event: Event) {}
    /// Whether [`Event::Rejected`] is wanted: told of each refusal in the
    /// order they came, which takes a sort per offer round; when not,
    /// refusals are only counted.
    fn hears_refusals(&self) -> bool {
        true
    }
}

/// An observer that ignores everything.
pub struct Unobserved;
impl Observer for Unobserved {
    fn hears_refusals(&self) -> bool {
        false
    }
}
