//! What one policy did in one replication: the tallies the engine keeps and
//! `runner::measure` turns into the catalogue's metrics.

/// How a lead's story ended. Every arrived lead gets exactly one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub below_threshold: u32,
    pub unrouted: u32,
    pub dropped: u32,
    pub disqualified: u32,
    /// Contacted, but the first contact never reached the buyer.
    pub unreached: u32,
    pub lost: u32,
    pub won: u32,
}

impl PolicyRun {
    /// A first contact `delay` hours after a lead arrived in hour of the
    /// week `hour`.
    pub(super) fn contacted(&mut self, hour: usize, delay: f64) {
        self.contacts += 1;
        self.ttfc_sum_hours += delay;
        let bin = &mut self.ttfc_by_hour[hour];
        bin.0 += delay;
        bin.1 += 1;
    }

    /// Reads the run's times: the median and p90 of time to first contact
    /// and its histogram (from `ttfc`), and the median time to accept an
    /// offer (from `accept`). Two selections instead of a sort: O(n), and
    /// the same values.
    pub(super) fn settle_times(&mut self, ttfc: &mut [f64], accept: &mut [f64]) {
        if !ttfc.is_empty() {
            self.ttfc_median_hours = Some(crate::stats::quantile_unsorted(ttfc, 0.5));
            self.ttfc_p90_hours = Some(crate::stats::quantile_unsorted(ttfc, 0.9));
        }
        if !accept.is_empty() {
            self.time_to_accept_median_hours = Some(crate::stats::quantile_unsorted(accept, 0.5));
        }
        self.ttfc_histogram = vec![0; crate::stats::histogram::TTFC_BIN_COUNT];
        crate::stats::histogram::count(ttfc, &mut self.ttfc_histogram);
    }
}

impl Outcomes {
    pub fn total(&self) -> u32 {
        self.below_threshold
            + self.unrouted
            + self.dropped
            + self.disqualified
            + self.unreached
            + self.lost
            + self.won
    }
}

/// One partner's tallies in one run.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartnerTally {
    /// Assignments received (a lead rerouted to it counts once more).
    pub leads: u32,
    /// Leads whose first assignment was to this partner, and how many of
    /// them were won, by whoever closed them (the house after an SLA take-
    /// back included): each routed lead counts for one partner only, so a
    /// pilot's arm conversion is the sum over its partners.
    pub first_leads: u32,
    pub first_wins: u32,
    pub opportunities: u32,
    pub wins: u32,
    pub revenue: f64,
    /// Everything paid: per-lead fees, speed bonuses, commission.
    pub payouts: f64,
    pub clawbacks: f64,
    /// Leads it kept to first contact (contacted them).
    pub contacts: u32,
    /// Expected value of the leads it kept: score x deal size, summed.
    pub value_kept: f64,
    /// Sum over its contacts of the time from arrival to first contact.
    pub ttfc_sum_hours: f64,
    /// Sum of the scores of the leads it received.
    pub score_sum: f64,
    pub active_at_start: bool,
    /// Its own leads that arrived, and their won revenue (in `revenue`
    /// too).
    pub sourced: u32,
    pub sourced_revenue: f64,
    /// When it left the programme, if it did.
    pub left_at_hours: Option<f64>,
    /// When it lost its exclusive territory, if it did.
    pub exclusivity_revoked_at: Option<f64>,
}

impl PartnerTally {
    /// The partner kept a lead worth `value` (score x deal size) to a
    /// first contact `delay` hours after it arrived.
    pub(super) fn kept(&mut self, value: f64, delay: f64) {
        self.contacts += 1;
        self.value_kept += value;
        self.ttfc_sum_hours += delay;
    }
}

/// Everything one policy did in one replication.
#[derive(Debug, Clone, Default)]
pub struct PolicyRun {
    pub leads: u32,
    /// Leads that passed the threshold and reached a partner or the house.
    pub routed: u32,
    /// Leads taken back (by an SLA, or from a leaving partner's queue) and
    /// routed again, at least once.
    pub rerouted: u32,
    /// Leads worked by the house (first routing or later).
    pub to_house: u32,
    /// Leads whose SLA re-routes ran out (sent to the SLA's `then`).
    pub escalated: u32,
    /// Leads the policy's reserve gave to a partner, bypassing the rule.
    pub reserved: u32,
    /// Leads that came back from nurture.
    pub recycled: u32,
    /// Registered leads whose first holder was not their registrant.
    pub channel_conflicts: u32,
    /// Partner-sourced leads that arrived, their won revenue, and the deal
    /// size of those a leaving partner took with it while open.
    pub sourced: u32,
    pub sourced_revenue: f64,
    pub sourced_pipeline_lost: f64,
    /// Routed leads that arrived while their first holder was not working.
    pub after_hours: u32,
    /// Offers made, offers refused, and offers unanswered within the window.
    pub offers: u32,
    pub rejections: u32,
    pub offer_timeouts: u32,
    /// Median hours from the start of a routing to the offer's acceptance.
    pub time_to_accept_median_hours: Option<f64>,
    pub outcomes: Outcomes,
    pub opportunities: u32,
    /// Assignments to partners that were subject to an SLA, and how many of
    /// them missed their deadline.
    pub sla_assignments: u32,
    pub sla_breaches: u32,
    pub contacts: u32,
    pub ttfc_sum_hours: f64,
    pub ttfc_median_hours: Option<f64>,
    pub ttfc_p90_hours: Option<f64>,
    /// Contacted leads by time to first contact, in `stats::histogram` bins.
    pub ttfc_histogram: Vec<u64>,
    /// Time to first contact summed, and contacts counted, by the hour of
    /// the week (from Monday 00:00 UTC) the lead arrived in.
    pub ttfc_by_hour: Vec<(f64, u64)>,
    pub revenue: f64,
    /// Sum of the discounts of won deals.
    pub discount_sum: f64,
    pub churned: u32,
    /// Revenue lost to churn (`economics.churn_revenue_loss` of each
    /// churned deal).
    pub churned_revenue: f64,
    /// Counted leads still undecided when the run was read (`readout_day`).
    pub open_at_readout: u32,
    /// Per holder (the partners, then the house): leads waiting in its
    /// queue at the middle and at the end of the horizon, and leads
    /// assigned to it over the horizon, warm-up included (for the
    /// overload warning).
    pub queues: Vec<QueueWatch>,
    pub payouts: f64,
    pub mdf: f64,
    pub clawbacks: f64,
    /// Spent on `enablement`.
    pub enablement: f64,
    /// Partner opportunities worked with the house (`co_sell`).
    pub co_sold: u32,
    /// Tier moves at reviews (`tiers`), up and down.
    pub promoted: u32,
    pub demoted: u32,
    /// With `tiers`: days each partner spent in each tier within the
    /// horizon (`partner * tiers + tier`), and its tier at the end.
    pub tier_days: Vec<f64>,
    pub tier_end: Vec<u32>,
    pub partners: Vec<PartnerTally>,
}

/// A holder's queue, watched for overload.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueWatch {
    pub mid_horizon: u32,
    pub end_of_horizon: u32,
    pub assigned: u32,
}
