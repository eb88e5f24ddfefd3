//! Serde structs that mirror the scenario file, field for field.
//!
//! They do nothing but parse: every object rejects unknown fields, defaults
//! are applied by serde, and no cross-field rule is checked here. Turning
//! these into the typed [`crate::model::Model`] is `validate.rs`'s job.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::defaults;

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

/// `exclusivity`: whether a policy honours exclusive territories, and the
/// guardrails under which a partner loses its exclusivity.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExclusivity {
    #[serde(default = "default_true")]
    pub honor: bool,
    #[serde(default)]
    pub review_days: Option<f64>,
    #[serde(default)]
    pub min_lead_to_opportunity: Option<f64>,
    #[serde(default)]
    pub max_sla_breach_rate: Option<f64>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAway {
    pub from_day: f64,
    pub to_day: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub routing: RawRouting,
    #[serde(default)]
    pub eligibility: RawEligibility,
    #[serde(default)]
    pub scoring: RawScoring,
    #[serde(default)]
    pub sla: Option<RawSla>,
    #[serde(default)]
    pub caps: RawCaps,
    #[serde(default)]
    pub payout: RawPayout,
    #[serde(default)]
    pub offer: Option<RawOffer>,
    #[serde(default)]
    pub reserve: Option<RawReserve>,
    #[serde(default)]
    pub exclusivity: Option<RawExclusivity>,
    #[serde(default)]
    pub enablement: Option<RawEnablement>,
    #[serde(default)]
    pub co_sell: Option<RawCoSell>,
    #[serde(default)]
    pub nurture: Option<RawNurture>,
}

/// `nurture`: discarded leads come back once.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNurture {
    pub share: f64,
    pub after_days: RawDist,
}

/// `enablement`: spend per partner and period, and what it buys.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEnablement {
    pub per_partner_per_period: f64,
    #[serde(default)]
    pub qualify_gain_per_1000: f64,
    #[serde(default)]
    pub win_gain_per_1000: f64,
    #[serde(default = "default_max_gain")]
    pub max_gain: f64,
}

fn default_max_gain() -> f64 {
    defaults::ENABLEMENT_MAX_GAIN
}

/// `co_sell`: big deals worked with the house.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCoSell {
    pub min_deal_size: f64,
    #[serde(default = "default_co_sell_win_factor")]
    pub win_factor: f64,
    #[serde(default = "default_co_sell_share")]
    pub partner_share: f64,
}

fn default_co_sell_win_factor() -> f64 {
    defaults::CO_SELL_WIN_FACTOR
}
fn default_co_sell_share() -> f64 {
    defaults::CO_SELL_PARTNER_SHARE
}

/// `reserve`: a share of routed leads bypasses the rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReserve {
    pub share: f64,
    pub to: RawReserveTo,
    #[serde(default)]
    pub new_days: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawReserveTo {
    LeastServed,
    Newest,
}

/// `offer`: `{"mode": "single" | "broadcast", "to", "window_hours", "max_rounds"}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOffer {
    pub mode: RawOfferMode,
    #[serde(default)]
    pub to: Option<i64>,
    #[serde(default)]
    pub window_hours: Option<f64>,
    #[serde(default)]
    pub max_rounds: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawOfferMode {
    Single,
    Broadcast,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRule {
    RoundRobin,
    Weighted,
    LeastLoaded,
    ScoreTiered,
    Fastest,
    BestWinRate,
    Thompson,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    #[serde(default = "default_rule")]
    pub rule: RawRule,
    #[serde(default)]
    pub tiers: Option<Vec<RawScoreTier>>,
    #[serde(default)]
    pub then: Option<RawRule>,
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
}

fn default_rule() -> RawRule {
    RawRule::RoundRobin
}

impl Default for RawRouting {
    fn default() -> Self {
        RawRouting {
            rule: default_rule(),
            tiers: None,
            then: None,
            weights: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScoreTier {
    pub min_score: f64,
    pub partner_tiers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRegionMode {
    Require,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawVerticalMode {
    Require,
    Prefer,
    Ignore,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEligibility {
    #[serde(default = "default_region_mode")]
    pub region: RawRegionMode,
    #[serde(default = "default_vertical_mode")]
    pub vertical: RawVerticalMode,
    #[serde(default = "default_mismatch_fit")]
    pub vertical_mismatch_fit: f64,
    /// Deal registrations: `honor` (default) or `ignore`.
    #[serde(default)]
    pub registration: Option<RawHonor>,
    /// Existing accounts' incumbents: `prefer` or `ignore` (default).
    #[serde(default)]
    pub incumbent: Option<RawPrefer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawHonor {
    Honor,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawPrefer {
    Prefer,
    Ignore,
}

fn default_region_mode() -> RawRegionMode {
    RawRegionMode::Require
}
fn default_vertical_mode() -> RawVerticalMode {
    RawVerticalMode::Prefer
}
fn default_mismatch_fit() -> f64 {
    defaults::MISMATCH_FIT
}

impl Default for RawEligibility {
    fn default() -> Self {
        RawEligibility {
            region: default_region_mode(),
            vertical: default_vertical_mode(),
            vertical_mismatch_fit: default_mismatch_fit(),
            registration: None,
            incumbent: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScoring {
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawSlaThenWord {
    House,
    Drop,
}

/// `sla.then`: `"house"`, `"drop"`, or `{"pool": {...}}`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawSlaThen {
    Word(RawSlaThenWord),
    Pool(RawSlaPool),
}

/// An escalation pool: partners by tier and by name.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlaPool {
    pub pool: RawPool,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    #[serde(default)]
    pub tiers: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSla {
    pub first_contact_hours: f64,
    #[serde(default = "default_max_reroutes")]
    pub max_reroutes: i64,
    #[serde(default)]
    pub then: Option<RawSlaThen>,
    #[serde(default)]
    pub clock: Option<RawSlaClock>,
    /// The rule re-routes use (default: the policy's).
    #[serde(default)]
    pub reroute_rule: Option<RawRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawSlaClock {
    Calendar,
    Business,
}

fn default_max_reroutes() -> i64 {
    defaults::MAX_REROUTES
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawWhenFull {
    Queue,
    Skip,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCaps {
    #[serde(default)]
    pub max_share: Option<f64>,
    #[serde(default)]
    pub per_day: Option<i64>,
    #[serde(default)]
    pub per_period: Option<i64>,
    #[serde(default)]
    pub when_full: Option<RawWhenFull>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPayout {
    #[serde(default)]
    pub per_qualified_lead: f64,
    #[serde(default)]
    pub commission: Vec<RawBracket>,
    #[serde(default)]
    pub period_days: Option<f64>,
    #[serde(default)]
    pub speed_bonus: Option<RawSpeedBonus>,
    #[serde(default)]
    pub cap_per_period: Option<f64>,
    #[serde(default)]
    pub clawback: Option<f64>,
    #[serde(default)]
    pub max_discount: Option<f64>,
    #[serde(default)]
    pub mdf_rate: Option<f64>,
    /// Days between earning money and the partner receiving it.
    #[serde(default)]
    pub pay_lag_days: Option<f64>,
    /// Paid to each partner when it joins.
    #[serde(default)]
    pub signing_bonus: Option<f64>,
    /// Amounts paid per matching win closed in a window.
    #[serde(default)]
    pub spiffs: Vec<RawSpiff>,
    /// Per tier: payout fields that override these, field by field.
    #[serde(default)]
    pub by_tier: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// A SPIFF: `amount` per win closed in [`from_day`, `to_day`) on leads of
/// one `vertical`, `region` or `segment`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpiff {
    #[serde(default)]
    pub vertical: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub segment: Option<String>,
    pub from_day: f64,
    pub to_day: f64,
    pub amount: f64,
}

/// `tiers`: reviews of won revenue that move partners between levels.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTiers {
    #[serde(default)]
    pub review_days: Option<f64>,
    pub levels: Vec<RawLevel>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLevel {
    pub name: String,
    pub min_revenue: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBracket {
    pub from: f64,
    pub rate: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpeedBonus {
    pub within_hours: f64,
    pub amount: f64,
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

/// A distribution object: exactly one key naming the family.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RawDist {
    Fixed(f64),
    Exponential(RawExponential),
    Lognormal(RawLognormal),
    Gamma(RawGamma),
    Weibull(RawWeibull),
    Uniform(RawUniform),
    Triangular(RawTriangular),
    Beta(RawBeta),
    Empirical(RawEmpirical),
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExponential {
    pub mean: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLognormal {
    pub median: f64,
    #[serde(default)]
    pub p90: Option<f64>,
    #[serde(default)]
    pub sigma: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGamma {
    pub shape: f64,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWeibull {
    pub shape: f64,
    pub scale: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUniform {
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTriangular {
    pub min: f64,
    pub mode: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBeta {
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub concentration: Option<f64>,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default)]
    pub beta: Option<f64>,
}

/// `empirical`: an inline list of observations, or a CSV column.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawEmpirical {
    Values(Vec<f64>),
    Csv(RawEmpiricalCsv),
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEmpiricalCsv {
    pub csv: String,
    pub column: String,
}

/// A rate or probability: a plain number or a distribution on [0, 1].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RawRate {
    Value(f64),
    Dist(RawDist),
}

impl<'de> Deserialize<'de> for RawRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RateVisitor;
        impl<'de> Visitor<'de> for RateVisitor {
            type Value = RawRate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number in [0, 1] or a distribution object such as {\"beta\": {\"mean\": 0.3, \"concentration\": 20}}")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawRate, E> {
                Ok(RawRate::Value(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawRate, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawRate::Dist)
            }
        }
        deserializer.deserialize_any(RateVisitor)
    }
}

impl<'de> Deserialize<'de> for RawEmpirical {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmpiricalVisitor;
        impl<'de> Visitor<'de> for EmpiricalVisitor {
            type Value = RawEmpirical;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a list of observed values, or {\"csv\": \"path\", \"column\": \"name\"}",
                )
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawEmpirical, A::Error> {
                Vec::<f64>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawEmpirical::Values)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawEmpirical, A::Error> {
                RawEmpiricalCsv::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawEmpirical::Csv)
            }
        }
        deserializer.deserialize_any(EmpiricalVisitor)
    }
}

/// The distribution families, as the file spells them.
pub const DIST_FAMILIES: &[&str] = &[
    "fixed",
    "exponential",
    "lognormal",
    "gamma",
    "weibull",
    "uniform",
    "triangular",
    "beta",
    "empirical",
];

impl<'de> Deserialize<'de> for RawDist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;
        impl<'de> Visitor<'de> for DistVisitor {
            type Value = RawDist;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a distribution: an object with one key naming its family, such as {\"lognormal\": {\"median\": 4, \"p90\": 24}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist, A::Error> {
                let Some(family) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(format!(
                        "a distribution needs one key naming its family: {}",
                        DIST_FAMILIES.join(", ")
                    )));
                };
                let dist = match family.as_str() {
                    "fixed" => RawDist::Fixed(map.next_value()?),
                    "exponential" => RawDist::Exponential(map.next_value()?),
                    "lognormal" => RawDist::Lognormal(map.next_value()?),
                    "gamma" => RawDist::Gamma(map.next_value()?),
                    "weibull" => RawDist::Weibull(map.next_value()?),
                    "uniform" => RawDist::Uniform(map.next_value()?),
                    "triangular" => RawDist::Triangular(map.next_value()?),
                    "beta" => RawDist::Beta(map.next_value()?),
                    "empirical" => RawDist::Empirical(map.next_value()?),
                    other => return Err(de::Error::unknown_variant(other, DIST_FAMILIES)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a distribution has exactly one key, its family; `{family}` is followed by `{extra}`"
                    )));
                }
                Ok(dist)
            }
        }
        deserializer.deserialize_map(DistVisitor)
    }
}

// JSON Schemas of the three types with hand-written deserialisers; every
// other type's schema is derived from the same serde attributes the parser
// uses, so a field added to the parser is in the schema by construction.

fn schema(value: serde_json::Value) -> schemars::Schema {
    schemars::Schema::try_from(value).expect("a JSON object is a schema")
}

impl JsonSchema for RawDist {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let family = |name: &str, inner: schemars::Schema| {
            serde_json::json!({
                "type": "object",
                "properties": {name: inner},
                "required": [name],
                "additionalProperties": false
            })
        };
        schema(serde_json::json!({
            "description": "A distribution: an object with exactly one key naming its family.",
            "oneOf": [
                family("fixed", generator.subschema_for::<f64>()),
                family("exponential", generator.subschema_for::<RawExponential>()),
                family("lognormal", generator.subschema_for::<RawLognormal>()),
                family("gamma", generator.subschema_for::<RawGamma>()),
                family("weibull", generator.subschema_for::<RawWeibull>()),
                family("uniform", generator.subschema_for::<RawUniform>()),
                family("triangular", generator.subschema_for::<RawTriangular>()),
                family("beta", generator.subschema_for::<RawBeta>()),
                family("empirical", generator.subschema_for::<RawEmpirical>()),
            ]
        }))
    }
}

impl JsonSchema for RawEmpirical {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Empirical".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schema(serde_json::json!({
            "description": "Observed values, inline or from a CSV column (path relative to the scenario file).",
            "anyOf": [
                {"type": "array", "items": {"type": "number"}, "minItems": 1},
                generator.subschema_for::<RawEmpiricalCsv>()
            ]
        }))
    }
}

impl JsonSchema for RawRate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rate".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schema(serde_json::json!({
            "description": "A probability: a number in [0, 1] or a distribution on [0, 1].",
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                generator.subschema_for::<RawDist>()
            ]
        }))
    }
}
