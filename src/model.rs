//! The validated, typed model the engine runs.
//!
//! Everything here has passed validation: names are resolved to indices,
//! shares are normalised, days are converted to hours, distributions are
//! built. Nothing downstream re-checks what this module's types guarantee.

use crate::dist::{Dist, Rate};

pub const HOURS_PER_DAY: f64 = 24.0;

/// A scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub horizon_hours: f64,
    /// Leads arriving before this are simulated but left out of every
    /// metric (`warmup_days`).
    pub warmup_hours: f64,
    /// When the run is read (`readout_day`): metrics count only what
    /// happened by then. `None` follows every lead to its end.
    pub readout_hours: Option<f64>,
    pub replications: u64,
    pub seed: u64,
    /// Index into `policies` of the policy every other is compared with.
    pub baseline: usize,
    /// Interned region, vertical and tier names, in order of first mention.
    pub regions: Vec<String>,
    pub verticals: Vec<String>,
    pub tiers: Vec<String>,
    pub leads: LeadModel,
    pub decay: SpeedToLead,
    /// The weekday of day 0 (0 = Monday), from `calendar`.
    pub start_weekday: u8,
    pub economics: Economics,
    /// `tiers`: partners move between levels on their won revenue.
    pub tier_programme: Option<TierProgramme>,
    pub house: Option<Team>,
    /// Partners after `count` expansion, in file order.
    pub partners: Vec<Partner>,
    pub policies: Vec<Policy>,
    /// The worlds every policy runs in: the base world first (no events),
    /// then each `stress` world in file order.
    pub worlds: Vec<WorldSpec>,
    /// `expect`: what a run must show, or fail (exit code 1).
    pub expectations: Vec<Expectation>,
    /// `decision`: what the recommendation weighs.
    pub decision: DecisionSpec,
    /// Things worth telling the user that do not stop the run.
    pub warnings: Vec<String>,
    /// The ISO 4217 code money is in (`currency`), if the file says.
    pub currency: Option<String>,
    /// The data files the scenario read, with digests of their bytes.
    pub data_files: Vec<DataFile>,
}

impl Model {
    /// The simulated horizon in days.
    pub fn horizon_days(&self) -> f64 {
        self.horizon_hours / HOURS_PER_DAY
    }
}

/// A world: the base one, or a stress test's events.
#[derive(Debug, Clone, Default)]
pub struct WorldSpec {
    pub name: String,
    pub description: String,
    /// Sorted by time.
    pub events: Vec<WorldEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldEvent {
    pub hours: f64,
    pub kind: WorldEventKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WorldEventKind {
    /// From the event on, segments of this region or vertical get `factor`
    /// times their share.
    MarketSkew {
        region: Option<usize>,
        vertical: Option<usize>,
        factor: f64,
    },
    /// Arrivals are multiplied by `factor` from the event until `until_hours`.
    Demand { factor: f64, until_hours: f64 },
    /// `acquired` stops taking leads; its queue, open work and capacity move
    /// to `acquirer`.
    Consolidation { acquirer: usize, acquired: usize },
    /// The partner leaves the programme.
    PartnerExit { partner: usize },
    /// The partner takes leads from the event on, not before.
    PartnerJoin { partner: usize },
}

impl WorldSpec {}

/// A data file a scenario read: where, and a digest of its bytes (shards
/// compare them, so a file that changed between shards is caught).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: String,
    pub digest: u64,
}

/// The name of the world without stress events.
pub const BASE_WORLD: &str = "base";

#[derive(Debug, Clone)]
pub struct LeadModel {
    pub arrivals_per_hour: f64,
    pub signals: Vec<Signal>,
    pub segments: Vec<Segment>,
    /// Historical leads to replay instead of drawing from the segments'
    /// distributions (the segments then describe the file's mix).
    pub replay: Option<Replay>,
    /// The rate's shape within the week; `None`: uniform.
    pub arrival_pattern: Option<crate::calendar::ArrivalPattern>,
    /// Shares of leads from existing accounts (with an incumbent partner)
    /// and matching a partner's deal registration.
    pub existing_account_share: f64,
    pub registered_share: f64,
}

/// `leads.replay`.
#[derive(Debug, Clone)]
pub enum Replay {
    /// The file's leads, exactly: arrivals and attributes, every replication.
    Exact(Vec<ReplayLead>),
    /// Each replication draws Poisson arrivals at `arrivals_per_day`, a
    /// segment by the file's mix, and a whole historical lead of that
    /// segment (quality, score and deal size together), with replacement.
    Bootstrap {
        leads: Vec<ReplayLead>,
        /// Indices into `leads`, per segment.
        by_segment: Vec<Vec<u32>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayLead {
    pub arrival_hours: f64,
    pub segment: u32,
    pub quality: f64,
    /// The score the lead had, when the file gives scores: every signal
    /// then reads it as it is.
    pub score: Option<f64>,
    pub deal_size: f64,
}

#[derive(Debug, Clone)]
pub struct Signal {
    pub name: String,
    /// Standard deviation of the Normal noise added to true quality.
    pub noise: f64,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub name: String,
    /// Normalised: the shares of all segments sum to 1.
    pub share: f64,
    /// `None`: the segment has no region and every partner covers it.
    pub region: Option<usize>,
    pub vertical: Option<usize>,
    pub deal_size: Dist,
    /// True quality `q`, on [0, 1].
    pub quality: Dist,
}

/// How first contact's delay (calendar hours since arrival) changes the
/// lead: `qualify` multiplies the chance to qualify; `reach`, when given,
/// is the chance the first contact reaches the buyer at all.
#[derive(Debug, Clone)]
pub struct SpeedToLead {
    pub qualify: Curve,
    /// `None`: every contacted lead is reached (no draw is made).
    pub reach: Option<Curve>,
}

/// A multiplier that falls with the delay of first contact.
#[derive(Debug, Clone)]
pub enum Curve {
    /// `floor + (1 - floor) * 2^(-d / half_life_hours)`.
    HalfLife { half_life_hours: f64, floor: f64 },
    /// (hours, multiplier), hours ascending from 0, multipliers not
    /// increasing: linear between points, constant after the last.
    Points(Vec<(f64, f64)>),
}

impl Curve {
    /// The multiplier at `delay_hours`.
    #[inline]
    pub fn at(&self, delay_hours: f64) -> f64 {
        match self {
            Curve::HalfLife {
                half_life_hours,
                floor,
            } => floor + (1.0 - floor) * (-delay_hours / half_life_hours).exp2(),
            Curve::Points(points) => {
                let after = points.partition_point(|&(h, _)| h <= delay_hours);
                match (after.checked_sub(1).map(|i| points[i]), points.get(after)) {
                    (Some((h0, m0)), Some(&(h1, m1))) => {
                        m0 + (m1 - m0) * (delay_hours - h0) / (h1 - h0)
                    }
                    (Some((_, m)), None) => m,
                    (None, _) => points.first().map_or(1.0, |p| p.1),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Economics {
    pub gross_margin: f64,
    pub churn_rate: f64,
    pub discount_churn_factor: f64,
    /// The share of a churned customer's revenue that is lost.
    pub churn_revenue_loss: f64,
    /// What each lead the house works costs (`house.cost_per_lead`).
    pub house_cost_per_lead: f64,
    /// The margin floor: deals discounted beyond `max_discount_approved`
    /// are renegotiated to it and won with probability `floor_win_factor`.
    pub max_discount_approved: f64,
    pub floor_win_factor: f64,
    /// An incumbent's win-rate multiplier on its own accounts.
    pub incumbent_win_factor: f64,
    pub review_hours: f64,
    pub reference_earnings_per_lead: f64,
}

/// What a partner and the house have in common: how they work a lead.
#[derive(Debug, Clone)]
pub struct Team {
    pub capacity: u32,
    pub response_hours: Dist,
    /// Drawn in days, as the file says; the engine multiplies by 24.
    pub work_days: Dist,
    pub qualify_rate: Rate,
    pub win_rate: Rate,
    pub deal_size_factor: f64,
    pub discount: Rate,
    /// Whether an open opportunity keeps its slot until it closes (true),
    /// or the slot is freed at first contact whatever the outcome.
    pub opportunities_hold_slots: bool,
    /// When the team works; `None`: around the clock.
    pub hours: Option<crate::calendar::Hours>,
    /// The chance to accept an offered lead (drawn once per replication
    /// when a distribution), how long an answer takes (working time), how
    /// much a lead's score moves the chance, and whether a full team
    /// refuses at once.
    pub accept_rate: Rate,
    pub accept_hours: Dist,
    pub selectivity: f64,
    pub reject_when_full: bool,
}

#[derive(Debug, Clone)]
pub struct Partner {
    pub name: String,
    pub tier: usize,
    /// `covers_region[r]`: true when the partner works region `r`.
    pub covers_region: Vec<bool>,
    pub covers_vertical: Vec<bool>,
    pub team: Team,
    pub effort_elasticity: f64,
    /// Under a payout's `max_discount`, the chance a discount above it is
    /// pulled down to it (`discount_discipline`).
    pub discount_discipline: f64,
    /// Its own registered leads per hour (`sourced_per_day` / 24).
    pub sourced_per_hour: f64,
    /// Sourced leads per unit of MDF received in a payout period
    /// (`leads_per_mdf_1000` / 1000).
    pub leads_per_mdf: f64,
    pub min_period_earnings: f64,
    pub patience_periods: u32,
    /// Half-open windows [from, to) in hours when the partner takes no leads.
    pub away: Vec<(f64, f64)>,
    /// The partner is inactive before this hour (`joins_day`).
    pub joins_hours: Option<f64>,
    /// An exclusive territory (`exclusive`), as an interned region or
    /// vertical.
    pub exclusive: Option<Territory>,
    /// The learning rules' prior: declared mean `qualify_rate x win_rate`
    /// (kept inside (0, 1) so the Beta prior is proper), worth 2 leads.
    pub prior_win_rate: f64,
    /// `fastest`'s prior: the declared median of `response_hours`.
    pub response_median_hours: f64,
}

impl Partner {
    /// True when the partner is away (in an `away` window) at time `t`.
    #[inline]
    pub fn is_away(&self, t: f64) -> bool {
        self.away.iter().any(|&(from, to)| from <= t && t < to)
    }

    /// True when the partner has joined the programme by time `t`.
    #[inline]
    pub fn has_joined(&self, t: f64) -> bool {
        self.joins_hours.is_none_or(|j| t >= j)
    }

    /// True when the partner's behaviour can change (effort or exit).
    pub fn has_behaviour(&self) -> bool {
        self.effort_elasticity > 0.0 || self.min_period_earnings > 0.0
    }
}

impl Partner {
    /// (covers the region, covers the vertical); `None` is covered by all.
    pub fn covers(&self, region: Option<usize>, vertical: Option<usize>) -> (bool, bool) {
        (
            region.is_none_or(|r| self.covers_region[r]),
            vertical.is_none_or(|v| self.covers_vertical[v]),
        )
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub description: String,
    pub routing: Routing,
    pub eligibility: Eligibility,
    pub scoring: Scoring,
    pub sla: Option<Sla>,
    pub caps: Caps,
    pub payout: Payout,
    /// Offers partners may accept or refuse; `None`: assigned at once.
    pub offer: Option<Offer>,
    /// `sla.then.pool`: which partners (by index) an escalation may go to.
    pub escalation_pool: Vec<bool>,
    /// `reserve`: a share of first routings bypasses the rule.
    pub reserve: Option<Reserve>,
    /// `exclusivity` (default: honoured, never reviewed).
    pub exclusivity: Exclusivity,
    pub enablement: Option<Enablement>,
    pub co_sell: Option<CoSell>,
    /// `nurture`: leads below the threshold or disqualified at first
    /// contact come back once, with probability `share`, after
    /// `after_days` days.
    pub nurture: Option<Nurture>,
    /// `payout.spiffs`, resolved to the segments they pay on.
    pub spiffs: Vec<Spiff>,
    /// `payout.by_tier`: the payout of each tier (by tier index), the
    /// policy's with the tier's fields over it; empty without `by_tier`.
    pub payout_by_tier: Vec<Payout>,
}

/// `enablement`: each payout period every active partner is spent on, and
/// its qualify and win rates rise (up to `max_gain` above their start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enablement {
    pub per_partner_per_period: f64,
    /// Rate gained per completed period.
    pub qualify_gain: f64,
    pub win_gain: f64,
    pub max_gain: f64,
}

#[derive(Debug, Clone)]
pub struct Nurture {
    pub share: f64,
    pub after_days: Dist,
}

/// `co_sell`: a partner opportunity of at least `min_deal_size` is worked
/// with the house.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoSell {
    pub min_deal_size: f64,
    pub win_factor: f64,
    pub partner_share: f64,
}

/// A SPIFF: `amount` per partner win closed in [from, to) hours on a lead
/// of a segment in `segments` (a mask by segment index).
#[derive(Debug, Clone, PartialEq)]
pub struct Spiff {
    pub segments: Vec<bool>,
    pub from_hours: f64,
    pub to_hours: f64,
    pub amount: f64,
}

/// `tiers`: every `review_hours` a partner whose starting tier is a level
/// moves to the highest level whose `min_revenue` its won revenue since the
/// last review reaches (the lowest level if none).
#[derive(Debug, Clone, PartialEq)]
pub struct TierProgramme {
    pub review_hours: f64,
    /// (tier, min_revenue), highest `min_revenue` first.
    pub levels: Vec<(usize, f64)>,
}

impl TierProgramme {
    /// The level won revenue `revenue` reaches.
    pub fn level_for(&self, revenue: f64) -> usize {
        self.levels
            .iter()
            .find(|l| revenue >= l.1)
            .or(self.levels.last())
            .map_or(0, |l| l.0)
    }

    /// A level's rank, 0 the highest; `None` for a tier that is no level.
    pub fn rank(&self, tier: usize) -> Option<usize> {
        self.levels.iter().position(|l| l.0 == tier)
    }
}

/// A region or a vertical, interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Territory {
    Region(usize),
    Vertical(usize),
}

/// `exclusivity`: whether exclusive territories are honoured, and the
/// guardrails reviewed every `review_hours`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exclusivity {
    pub honor: bool,
    pub review_hours: f64,
    pub min_lead_to_opportunity: Option<f64>,
    pub max_sla_breach_rate: Option<f64>,
}

/// Leads a partner must have worked before a guardrail judges it.
pub const EXCLUSIVITY_MIN_LEADS: u32 = 20;

/// `reserve`: `share` of leads (each by its own draw) go to the reserve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reserve {
    pub share: f64,
    pub to: ReserveTo,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReserveTo {
    /// The eligible partner with the fewest leads kept to first contact per
    /// unit of capacity in the current payout period.
    LeastServed,
    /// Among eligible partners that joined within this many hours (not
    /// those in the programme from the start), the least served.
    Newest { within_hours: f64 },
}

/// `offer`: how a lead is offered before it is assigned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    pub mode: OfferMode,
    /// Partners offered at once in a `broadcast` round (1 for `single`).
    pub to: u32,
    /// How long an offer waits for an answer, in calendar hours.
    pub window_hours: f64,
    /// Rounds before the lead goes to `then`.
    pub max_rounds: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferMode {
    /// The rule's choice gets the offer; a refusal or silence moves on.
    Single,
    /// The rule's first `to` get the offer at once; the first to accept
    /// takes the lead.
    Broadcast,
}

/// A routing rule that picks one partner among candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    RoundRobin,
    Weighted,
    LeastLoaded,
    /// Lowest observed mean time from assignment to first contact.
    Fastest,
    /// Highest posterior mean of wins per resolved lead.
    BestWinRate,
    /// Highest draw from each partner's Beta posterior of wins per resolved lead.
    Thompson,
}

impl Rule {
    /// Every rule, in the order the docs list them.
    pub const ALL: [Rule; 6] = [
        Rule::RoundRobin,
        Rule::Weighted,
        Rule::LeastLoaded,
        Rule::Fastest,
        Rule::BestWinRate,
        Rule::Thompson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Rule::RoundRobin => "round_robin",
            Rule::Weighted => "weighted",
            Rule::LeastLoaded => "least_loaded",
            Rule::Fastest => "fastest",
            Rule::BestWinRate => "best_win_rate",
            Rule::Thompson => "thompson",
        }
    }

    /// True for the rules that learn from outcomes (each rule says, so a
    /// new rule cannot be left out).
    pub fn learns(self) -> bool {
        match self {
            Rule::RoundRobin | Rule::Weighted | Rule::LeastLoaded => false,
            Rule::Fastest | Rule::BestWinRate | Rule::Thompson => true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Routing {
    /// Score tiers; empty means the rule applies to every eligible partner.
    pub tiers: Vec<ScoreTier>,
    /// The rule used (inside the chosen tier, for `score_tiered`).
    pub rule: Rule,
    /// Weight of each partner for `weighted`, by partner index.
    pub weights: Vec<f64>,
    /// The weights as written: by partner name (wins) and by tier, for
    /// partners whose tier moves (`tiers`).
    pub weights_by_name: Vec<Option<f64>>,
    pub weights_by_tier: Vec<f64>,
}

impl Routing {
    /// `weighted`'s weight of partner `p` in tier `tier`: its own weight
    /// by name when the policy gives one, else its tier's (1 when neither
    /// is given).
    pub fn weight_of(&self, p: usize, tier: usize) -> f64 {
        self.weights_by_name
            .get(p)
            .copied()
            .flatten()
            .unwrap_or_else(|| self.weights_by_tier.get(tier).copied().unwrap_or(1.0))
    }
}

#[derive(Debug, Clone)]
pub struct ScoreTier {
    pub min_score: f64,
    /// `partner_tiers[t]`: partners of tier `t` are candidates.
    pub partner_tiers: Vec<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionMode {
    Require,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerticalMode {
    Require,
    Prefer,
    Ignore,
}

#[derive(Debug, Clone, Copy)]
pub struct Eligibility {
    pub region: RegionMode,
    pub vertical: VerticalMode,
    pub vertical_mismatch_fit: f64,
    /// A registered lead goes to its registrant when eligible.
    pub honor_registration: bool,
    /// An existing account's lead goes to its incumbent when eligible.
    pub prefer_incumbent: bool,
}

#[derive(Debug, Clone)]
pub struct Scoring {
    /// One weight per signal, normalised to sum 1.
    pub weights: Vec<f64>,
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaThen {
    House,
    Drop,
    /// The policy's rule among `Policy::escalation_pool` members that have
    /// not held the lead; else the house; else dropped.
    Pool,
}

#[derive(Debug, Clone, Copy)]
pub struct Sla {
    pub first_contact_hours: f64,
    pub max_reroutes: u32,
    pub then: SlaThen,
    /// Whether the deadline counts calendar hours or the holder's working
    /// hours.
    pub clock: SlaClock,
    /// The rule re-routes use, when not the policy's own.
    pub reroute_rule: Option<Rule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaClock {
    Calendar,
    Business,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    Queue,
    Skip,
}

#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Largest share of the period's routed leads one partner may take,
    /// enforced once `MAX_SHARE_WARMUP` leads have been routed in the period.
    pub max_share: Option<f64>,
    pub per_day: Option<u32>,
    pub per_period: Option<u32>,
    pub when_full: WhenFull,
}

/// `max_share` applies once this many leads have been routed in the period.
pub const MAX_SHARE_WARMUP: u32 = 20;

/// One marginal commission bracket: `rate` applies to revenue above `from`
/// (up to the next bracket's `from`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracket {
    pub from: f64,
    pub rate: f64,
}

#[derive(Debug, Clone)]
pub struct Payout {
    pub per_qualified_lead: f64,
    /// Sorted by `from`, the first starting at 0; empty means no commission.
    pub commission: Vec<Bracket>,
    pub period_hours: f64,
    pub speed_bonus: Option<SpeedBonus>,
    pub cap_per_period: Option<f64>,
    pub clawback: f64,
    pub max_discount: f64,
    pub mdf_rate: f64,
    /// Hours between earning money and receiving it (`pay_lag_days`):
    /// behaviour reviews see money received.
    pub pay_lag_hours: f64,
    /// Paid to each partner when it joins (`signing_bonus`).
    pub signing_bonus: f64,
}

impl Payout {
    /// `pay_lag_days`.
    pub fn pay_lag_days(&self) -> f64 {
        self.pay_lag_hours / HOURS_PER_DAY
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SpeedBonus {
    pub within_hours: f64,
    pub amount: f64,
}

/// `decision`: the objective every run recommends a policy on, the
/// guardrails a recommended policy must meet, and the world it is judged in.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionSpec {
    pub objective: crate::metrics::Metric,
    /// Higher is better on the objective (`maximize`).
    pub maximize: bool,
    pub guardrails: Vec<Guardrail>,
    pub worlds: DecisionWorlds,
    /// The scenario stated it (as opposed to the default).
    pub stated: bool,
}

impl Default for DecisionSpec {
    /// Gross profit, the vendor's money after payouts and costs; no
    /// guardrails; each policy judged by its worst world, because a policy
    /// rolled out must hold up in the world that comes.
    fn default() -> Self {
        DecisionSpec {
            objective: crate::metrics::Metric::GrossProfit,
            maximize: true,
            guardrails: Vec::new(),
            worlds: DecisionWorlds::Worst,
            stated: false,
        }
    }
}

/// The world a decision is judged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionWorlds {
    /// Each policy by its worst world on the objective (the best worst
    /// case wins); guardrails must hold in every world.
    Worst,
    /// The base world only.
    Base,
    /// Every world on its own: a policy is recommended only when it is the
    /// recommendation of every world.
    Each,
}

impl DecisionWorlds {
    pub const NAMES: [&'static str; 3] = ["worst", "base", "each"];

    pub fn name(self) -> &'static str {
        match self {
            DecisionWorlds::Worst => "worst",
            DecisionWorlds::Base => "base",
            DecisionWorlds::Each => "each",
        }
    }
}

/// A bound on a metric (a `decision` guardrail, an `optimize` constraint):
/// met only when the metric's 95 % interval's unfavourable end is within
/// it, so a bound is never judged met on simulation noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guardrail {
    pub metric: crate::metrics::Metric,
    /// `max` (the interval's upper end must be at most `bound`), or `min`.
    pub at_most: bool,
    pub bound: f64,
}

impl Guardrail {
    /// Whether `estimate` meets the bound on its unfavourable end (its
    /// mean when it has no interval); `false` when undefined.
    pub fn holds(&self, estimate: Option<crate::stats::Estimate>) -> bool {
        let Some(e) = estimate else {
            return false;
        };
        let hw = e.half_width().unwrap_or(0.0);
        if self.at_most {
            e.mean + hw <= self.bound
        } else {
            e.mean - hw >= self.bound
        }
    }
}

impl std::fmt::Display for Guardrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = if self.at_most { "<=" } else { ">=" };
        write!(f, "{}{op}{}", self.metric, self.bound)
    }
}

/// One `expect` assertion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expectation {
    pub policy: usize,
    pub world: usize,
    pub metric: crate::metrics::Metric,
    pub kind: ExpectKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpectKind {
    /// The metric's mean is at most this.
    Max(f64),
    /// The metric's mean is at least this.
    Min(f64),
    /// The paired difference from this policy is clearly on the better side
    /// (its 95 % interval excludes 0).
    BetterThan(usize),
    /// The paired difference from this policy is, at worst, `margin` on the
    /// worse side (the worse end of its 95 % interval).
    NotWorseThan { other: usize, margin: f64 },
}
