//! Serde structs that mirror the scenario file, field for field.
//!
//! They do nothing but parse: every object rejects unknown fields, defaults
//! are applied by serde, and no cross-field rule is checked here. Turning
//! these into the typed [`crate::model::Model`] is `validate.rs`'s job.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::defaults;
pub use super::raw_dist::*;
pub use super::raw_policy::*;

/// The whole scenario file (docs/scenario-format.md, "Top level").
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Ignored: lets editors point at `leadsim schema` output.
    #[serde(default, rename = "$schema", skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_horizon_days")]
    pub horizon_days: f64,
    #[serde(default = "default_replications")]
    pub replications: i64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Leads arriving in the first `warmup_days` are simulated but left
    /// out of every metric.
    #[serde(default)]
    pub warmup_days: f64,
    /// The day the run is read: metrics count only what happened by then.
    /// Without it every lead is followed to its end.
    #[serde(default)]
    pub readout_day: Option<f64>,
    #[serde(default)]
    pub baseline: Option<String>,
    /// The currency money is in, an ISO 4217 code such as `EUR`; shown
    /// beside every amount. Without it amounts carry no currency.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub calendar: Option<RawCalendar>,
    pub leads: RawLeads,
    #[serde(default)]
    pub speed_to_lead: RawSpeedToLead,
    #[serde(default)]
    pub economics: RawEconomics,
    #[serde(default)]
    pub house: Option<RawTeam>,
    /// Tiers that move: partners are reviewed on their won revenue.
    #[serde(default)]
    pub tiers: Option<RawTiers>,
    pub partners: Vec<RawPartner>,
    pub policies: Vec<RawPolicy>,
    #[serde(default)]
    pub stress: Vec<RawStress>,
    #[serde(default)]
    pub expect: Vec<RawExpect>,
    /// What the recommendation weighs: the objective, the guardrails every
    /// policy must meet, and the world it is judged in. Without it: gross
    /// profit, no guardrails, the worst world.
    #[serde(default)]
    pub decision: Option<RawDecision>,
}

pub fn default_horizon_days() -> f64 {
    defaults::HORIZON_DAYS
}
pub fn default_replications() -> i64 {
    defaults::REPLICATIONS
}
pub fn default_seed() -> u64 {
    defaults::SEED
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLeads {
    /// Defaults to 20, or to the historical rate of a `replay` file.
    #[serde(default)]
    pub arrivals_per_day: Option<f64>,
    #[serde(default)]
    pub signals: Option<Vec<RawSignal>>,
    #[serde(default)]
    pub segments: Option<Vec<RawSegment>>,
    #[serde(default)]
    pub replay: Option<RawReplay>,
    #[serde(default)]
    pub arrival_pattern: Option<RawArrivalPattern>,
    /// The share of vendor leads from accounts with an incumbent partner.
    #[serde(default)]
    pub existing_account_share: f64,
    /// The share of vendor leads that match a partner's deal registration.
    #[serde(default)]
    pub registered_share: f64,
}

/// `calendar`: what weekday time 0 is, and days nobody with `hours` works.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    #[serde(default)]
    pub start_weekday: Option<String>,
    #[serde(default)]
    pub holidays: Vec<i64>,
}

/// `leads.arrival_pattern`: 7 weekday weights (Monday first) and 24 hour
/// weights (UTC).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArrivalPattern {
    #[serde(default)]
    pub weekdays: Option<Vec<f64>>,
    #[serde(default)]
    pub hours: Option<Vec<f64>>,
}

/// `hours` of a partner or the house.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    #[serde(default)]
    pub days: Option<Vec<String>>,
    #[serde(default)]
    pub from: Option<f64>,
    #[serde(default)]
    pub to: Option<f64>,
    #[serde(default)]
    pub utc_offset: Option<f64>,
    #[serde(default)]
    pub holidays: Vec<i64>,
}

/// `leads.replay`: historical leads from a CSV file.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReplay {
    pub csv: String,
    #[serde(default = "default_replay_mode")]
    pub mode: RawReplayMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawReplayMode {
    Bootstrap,
    Exact,
}

fn default_replay_mode() -> RawReplayMode {
    RawReplayMode::Bootstrap
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignal {
    pub name: String,
    #[serde(default = "default_signal_noise")]
    pub noise: f64,
}

pub fn default_signal_noise() -> f64 {
    defaults::SIGNAL_NOISE
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSegment {
    pub name: String,
    #[serde(default = "one")]
    pub share: f64,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub vertical: Option<String>,
    #[serde(default)]
    pub deal_size: Option<RawDist>,
    #[serde(default)]
    pub quality: Option<RawDist>,
}

fn one() -> f64 {
    defaults::WEIGHT
}

/// `speed_to_lead`: the `qualify` and `reach` curves; the old top-level
/// `half_life_hours` and `floor` still mean `qualify`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpeedToLead {
    #[serde(default)]
    pub half_life_hours: Option<f64>,
    #[serde(default)]
    pub floor: Option<f64>,
    #[serde(default)]
    pub qualify: Option<RawCurve>,
    #[serde(default)]
    pub reach: Option<RawCurve>,
}

/// A speed-to-lead curve: `half_life_hours` and `floor`, or `points`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCurve {
    #[serde(default)]
    pub half_life_hours: Option<f64>,
    #[serde(default)]
    pub floor: Option<f64>,
    /// `[[hours, multiplier], ...]`, hours ascending from 0.
    #[serde(default)]
    pub points: Option<Vec<[f64; 2]>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEconomics {
    #[serde(default = "default_gross_margin")]
    pub gross_margin: f64,
    #[serde(default)]
    pub churn_rate: f64,
    #[serde(default)]
    pub discount_churn_factor: f64,
    /// The share of a churned customer's revenue that is lost.
    #[serde(default = "default_churn_revenue_loss")]
    pub churn_revenue_loss: f64,
    /// The largest discount the vendor approves; a deal beyond it is
    /// renegotiated to it and then won with `floor_win_factor`.
    #[serde(default = "default_one")]
    pub max_discount_approved: f64,
    #[serde(default = "default_one")]
    pub floor_win_factor: f64,
    /// An incumbent's win rate on its own accounts is multiplied by this.
    #[serde(default = "default_one")]
    pub incumbent_win_factor: f64,
    #[serde(default = "default_review_days")]
    pub review_days: f64,
    #[serde(default = "default_reference_earnings")]
    pub reference_earnings_per_lead: f64,
}

fn default_gross_margin() -> f64 {
    defaults::GROSS_MARGIN
}
fn default_one() -> f64 {
    1.0
}
fn default_churn_revenue_loss() -> f64 {
    defaults::CHURN_REVENUE_LOSS
}
fn default_review_days() -> f64 {
    defaults::REVIEW_DAYS
}
fn default_reference_earnings() -> f64 {
    defaults::REFERENCE_EARNINGS
}

impl Default for RawEconomics {
    fn default() -> Self {
        RawEconomics {
            gross_margin: default_gross_margin(),
            churn_rate: 0.0,
            discount_churn_factor: 0.0,
            churn_revenue_loss: default_churn_revenue_loss(),
            max_discount_approved: 1.0,
            floor_win_factor: 1.0,
            incumbent_win_factor: 1.0,
            review_days: default_review_days(),
            reference_earnings_per_lead: default_reference_earnings(),
        }
    }
}

/// A team's fields, written once: the fields a partner and the house
/// share. This declares [`RawTeam`] (the house) and [`RawPartner`] with
/// them, in this order, and [`TeamFields`] (the team's fields borrowed from
/// either, what `partners::team` checks) with `team_fields()` on both.
macro_rules! with_team_fields {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// The vendor's inside-sales team: a partner less `name`, `regions`,
        /// `verticals`, `count` and `tier`.
        #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RawTeam {
            $(
                #[serde(default)]
                pub $field: Option<$ty>,
            )*
            /// What each lead the house works costs the vendor.
            #[serde(default)]
            pub cost_per_lead: Option<f64>,
        }

        #[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RawPartner {
            pub name: String,
            #[serde(default)]
            pub count: Option<i64>,
            #[serde(default)]
            pub tier: Option<String>,
            #[serde(default)]
            pub regions: Option<Vec<String>>,
            #[serde(default)]
            pub verticals: Option<Vec<String>>,
            $(
                #[serde(default)]
                pub $field: Option<$ty>,
            )*
            /// Under a payout with `max_discount`, the chance a discount above it
            /// is pulled down to it.
            #[serde(default)]
            pub discount_discipline: Option<f64>,
            /// The partner's own registered leads per day (Poisson), worked by it
            /// alone.
            #[serde(default)]
            pub sourced_per_day: Option<f64>,
            /// Sourced leads added over the next payout period per 1,000 of MDF the
            /// partner received in a period.
            #[serde(default)]
            pub leads_per_mdf_1000: Option<f64>,
            #[serde(default)]
            pub effort_elasticity: Option<f64>,
            #[serde(default)]
            pub min_period_earnings: Option<f64>,
            #[serde(default)]
            pub patience_periods: Option<i64>,
            #[serde(default)]
            pub away: Vec<RawAway>,
            #[serde(default)]
            pub joins_day: Option<f64>,
            /// An exclusive territory: `{"region": ..}` or `{"vertical": ..}`.
            #[serde(default)]
            pub exclusive: Option<RawExclusive>,
        }

        /// A team's fields, borrowed from a partner or the house.
        #[derive(Debug, Clone, Copy)]
        pub struct TeamFields<'a> {
            $(pub $field: &'a Option<$ty>,)*
        }

        impl RawTeam {
            /// The house's team fields.
            pub fn team_fields(&self) -> TeamFields<'_> {
                TeamFields { $($field: &self.$field,)* }
            }
        }

        impl RawPartner {
            /// The partner's team fields.
            pub fn team_fields(&self) -> TeamFields<'_> {
                TeamFields { $($field: &self.$field,)* }
            }
        }
    };
}

with_team_fields! {
    capacity: i64,
    response_hours: RawDist,
    work_days: RawDist,
    qualify_rate: RawRate,
    win_rate: RawRate,
    deal_size_factor: f64,
    discount: RawRate,
    opportunities_hold_slots: bool,
    hours: RawHours,
    accept_rate: RawRate,
    accept_hours: RawDist,
    selectivity: f64,
    reject_when_full: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExclusive {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub vertical: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAway {
    pub from_day: f64,
    pub to_day: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStress {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub events: Vec<RawEvent>,
}

/// A stress event: `day` plus exactly one kind key (checked in validation).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub day: f64,
    #[serde(default)]
    pub market_skew: Option<RawMarketSkew>,
    #[serde(default)]
    pub demand: Option<RawDemand>,
    #[serde(default)]
    pub consolidation: Option<RawConsolidation>,
    #[serde(default)]
    pub partner_exit: Option<RawPartnerRef>,
    #[serde(default)]
    pub partner_join: Option<RawPartnerRef>,
}

/// One kind of stress event, as a [`RawEvent`] gives it.
#[derive(Debug, Clone, Copy)]
pub enum RawEventKind<'a> {
    MarketSkew(&'a RawMarketSkew),
    Demand(&'a RawDemand),
    Consolidation(&'a RawConsolidation),
    PartnerExit(&'a RawPartnerRef),
    PartnerJoin(&'a RawPartnerRef),
}

impl RawEvent {
    /// Every kind of event, by its field name, with this event's value of
    /// it: the one list the validator's message, its exactly-one check and
    /// its dispatch read (a new field of `RawEvent` that is not listed here
    /// does not compile).
    pub fn kinds(&self) -> [(&'static str, Option<RawEventKind<'_>>); 5] {
        let RawEvent {
            day: _,
            market_skew,
            demand,
            consolidation,
            partner_exit,
            partner_join,
        } = self;
        [
            (
                "market_skew",
                market_skew.as_ref().map(RawEventKind::MarketSkew),
            ),
            ("demand", demand.as_ref().map(RawEventKind::Demand)),
            (
                "consolidation",
                consolidation.as_ref().map(RawEventKind::Consolidation),
            ),
            (
                "partner_exit",
                partner_exit.as_ref().map(RawEventKind::PartnerExit),
            ),
            (
                "partner_join",
                partner_join.as_ref().map(RawEventKind::PartnerJoin),
            ),
        ]
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMarketSkew {
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub vertical: Option<String>,
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub factor: f64,
    #[serde(default)]
    pub until_day: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConsolidation {
    pub acquirer: String,
    pub acquired: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPartnerRef {
    pub partner: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub policy: String,
    #[serde(default)]
    pub world: Option<String>,
    pub metric: String,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub better_than: Option<String>,
    #[serde(default)]
    pub not_worse_than: Option<String>,
    #[serde(default)]
    pub margin: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDecision {
    /// `{"maximize": METRIC}` or `{"minimize": METRIC}`; gross profit
    /// maximised when left out.
    #[serde(default)]
    pub objective: Option<RawObjective>,
    /// Bounds every policy must meet to be recommended, each held on its
    /// 95 % interval's unfavourable end.
    #[serde(default)]
    pub guardrails: Vec<RawGuardrail>,
    /// `worst` (each policy judged by its worst world; the default), `base`
    /// or `each` (the same policy must be best in every world).
    #[serde(default)]
    pub worlds: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    #[serde(default)]
    pub maximize: Option<String>,
    #[serde(default)]
    pub minimize: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGuardrail {
    pub metric: String,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
}
