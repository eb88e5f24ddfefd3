//! The lead's life: where a lead stands ([`Phase`]), what it carries
//! through the run ([`LeadState`]), and its two partner lists (earlier
//! holders, and partners offered it in the current routing) kept as linked
//! lists in shared buffers, with the same partners as bits.

pub(super) const NONE: u32 = u32::MAX;

/// Pushes `partner` onto the per-lead list that starts at `head`, in
/// `nodes` (entries are (partner, next entry)): a lead's earlier holders,
/// or the partners offered it in its current routing.
#[inline]
pub(super) fn push_partner(
    nodes: &mut Vec<(u32, u32)>,
    head: &mut u32,
    mask: &mut u64,
    partner: u32,
) {
    nodes.push((partner, *head));
    *head = (nodes.len() - 1) as u32;
    *mask |= partner_bit(partner);
}

/// The partners on the list in `nodes` that starts at `head`, the last
/// pushed first.
pub(super) fn listed(nodes: &[(u32, u32)], head: u32) -> impl Iterator<Item = u32> + '_ {
    std::iter::successors(
        (head != NONE).then(|| nodes[head as usize]),
        move |&(_, next)| (next != NONE).then(|| nodes[next as usize]),
    )
    .map(|(p, _)| p)
}

/// Partner `p`'s bit in a set of partners (none from 64 on: sets as bits
/// are only read when there are fewer partners).
#[inline]
pub(super) fn partner_bit(p: u32) -> u64 {
    1u64.checked_shl(p).unwrap_or(0)
}

/// The partners on a lead's two lists in `held` and `offered` (from their
/// heads): its earlier holders and those offered it in this routing.
pub(super) fn history<'a>(
    held: &'a [(u32, u32)],
    held_head: u32,
    offered: &'a [(u32, u32)],
    offered_head: u32,
) -> impl Iterator<Item = u32> + 'a {
    listed(held, held_head).chain(listed(offered, offered_head))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Unassigned,
    Queued,
    Working,
    Opportunity,
    /// Offered to partners, waiting for one to accept.
    Offered,
    /// Discarded, and coming back from nurture.
    Nurtured,
    Done,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct LeadState {
    pub(super) score: f64,
    pub(super) holder: u32,
    pub(super) attempt: u16,
    /// Re-routes counted against the SLA's `max_reroutes`.
    pub(super) reroutes: u16,
    pub(super) phase: Phase,
    pub(super) assigned_at: f64,
    pub(super) contact_at: f64,
    /// Head of this lead's list of earlier holders in `Scratch::held`.
    pub(super) held_head: u32,
    /// The same partners (and those of `offered_head`) as bits.
    pub(super) held_mask: u64,
    pub(super) offered_mask: u64,
    pub(super) rerouted: bool,
    /// Its SLA re-routes ran out at least once (counted once).
    pub(super) escalated: bool,
    pub(super) to_house: bool,
    /// Arrived after the warm-up: its story counts in the metrics.
    pub(super) counted: bool,
    /// When it (last) arrived, whether it came back from nurture, and
    /// whether it was ever routed.
    pub(super) arrived_at: f64,
    pub(super) recycled: bool,
    pub(super) ever_routed: bool,
    /// A partner-sourced lead (its partner works it alone: no routing, no
    /// SLA, no per-lead fees).
    pub(super) sourced: bool,
    /// The opportunity is co-sold with the house (`co_sell`), and is
    /// waiting for a house slot.
    pub(super) co_sell: bool,
    pub(super) co_sell_waiting: bool,
    /// The open opportunity gave its slot back at first contact (its
    /// holder's `opportunities_hold_slots` was false), so its close frees none.
    pub(super) slot_released: bool,
    /// Partners offered the lead in its current routing (a list in
    /// `Offers::offered`), the offer round, the offers made in it (the
    /// entries of `Offers`' lists from
    /// `round_first` on), when the round began, and when this routing began.
    pub(super) offered_head: u32,
    /// How many partners have been offered the lead in this routing.
    pub(super) offered_n: u16,
    pub(super) round: u16,
    pub(super) pending: u16,
    pub(super) round_first: u32,
    pub(super) round_since: f64,
    pub(super) routing_since: f64,
}

impl LeadState {
    /// A lead arriving at `t`, scored `score`; `counted` when it arrived
    /// after the warm-up.
    pub(super) fn arriving(score: f64, t: f64, counted: bool) -> Self {
        LeadState {
            score,
            phase: Phase::Unassigned,
            assigned_at: t,
            counted,
            arrived_at: t,
            round_since: t,
            routing_since: t,
            ..LeadState::waiting()
        }
    }

    /// The lead comes back from nurture at `t`, scored `score`: a new
    /// arrival with no history of holders.
    pub(super) fn come_back(&mut self, t: f64, score: f64) {
        self.recycled = true;
        self.score = score;
        self.arrived_at = t;
        self.assigned_at = t;
        self.holder = NONE;
        self.held_head = NONE;
        self.offered_head = NONE;
        self.held_mask = 0;
        self.offered_mask = 0;
        self.offered_n = 0;
        self.phase = Phase::Unassigned;
        self.routing_since = t;
    }

    /// The state of a lead that has not arrived (yet): no outcome is
    /// counted for it.
    pub(super) fn waiting() -> Self {
        LeadState {
            score: 0.0,
            holder: NONE,
            attempt: 0,
            reroutes: 0,
            phase: Phase::Done,
            assigned_at: 0.0,
            contact_at: f64::INFINITY,
            held_head: NONE,
            held_mask: 0,
            offered_mask: 0,
            rerouted: false,
            escalated: false,
            to_house: false,
            counted: false,
            arrived_at: 0.0,
            recycled: false,
            ever_routed: false,
            sourced: false,
            co_sell: false,
            co_sell_waiting: false,
            slot_released: false,
            offered_head: NONE,
            offered_n: 0,
            round: 0,
            pending: 0,
            round_first: 0,
            round_since: 0.0,
            routing_since: 0.0,
        }
    }
}
