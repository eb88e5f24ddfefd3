//! A policy as written (before validation): its routing, eligibility,
//! scoring, SLA, caps, payout (commission brackets, speed bonuses, tiers,
//! SPIFFs), offers, reserve, exclusivity, nurture, enablement and
//! co-selling.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::defaults;
use super::raw_dist::RawDist;

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
