//! Every default of the scenario format in one place: what a field means
//! when the file leaves it out (docs/scenario-format.md states each). The
//! serde defaults in `raw.rs` and the validators read these constants; an
//! enumeration's default is the variant marked `#[default]` in `raw.rs`.

/// The simulated horizon, in days.
pub const HORIZON_DAYS: f64 = 90.0;
/// Replications of every policy.
pub const REPLICATIONS: i64 = 200;
/// The seed of every random stream.
pub const SEED: u64 = 1;
/// Leads arriving per day.
pub const ARRIVALS_PER_DAY: f64 = 20.0;
/// The standard deviation of a signal's noise around lead quality.
pub const SIGNAL_NOISE: f64 = 0.1;
/// A segment's share weight.
pub const WEIGHT: f64 = 1.0;
/// Speed-to-lead: hours until the qualify chance loses half its decayable part.
pub const HALF_LIFE: f64 = 12.0;
/// Speed-to-lead: the share of the qualify chance that never decays.
pub const DECAY_FLOOR: f64 = 0.2;
/// Gross margin on revenue.
pub const GROSS_MARGIN: f64 = 0.7;
/// The share of a churned customer's revenue that is lost (all of it).
pub const CHURN_REVENUE_LOSS: f64 = 1.0;
/// `enablement.max_gain`: how far above its start a rate may rise.
pub const ENABLEMENT_MAX_GAIN: f64 = 0.1;
/// `co_sell.win_factor`: the win rate's multiplier on a co-sold deal.
pub const CO_SELL_WIN_FACTOR: f64 = 1.25;
/// `co_sell.partner_share`: the partner's share of its usual commission.
pub const CO_SELL_PARTNER_SHARE: f64 = 0.5;
/// `tiers.review_days`: how often partners' tiers are reviewed.
pub const TIER_REVIEW_DAYS: f64 = 90.0;
/// `reserve.to: "newest"`: how long a partner counts as new, in days.
pub const NEW_PARTNER_DAYS: f64 = 60.0;
/// Days between partners' reviews of their earnings.
pub const REVIEW_DAYS: f64 = 30.0;
/// Earnings per lead at which a partner's effort is neutral.
pub const REFERENCE_EARNINGS: f64 = 200.0;
/// The fit of a lead outside a partner's region or vertical when mismatches are allowed.
pub const MISMATCH_FIT: f64 = 0.7;
/// Times an SLA takes a lead back before its `then` applies.
pub const MAX_REROUTES: i64 = 1;

/// The defaults a partner or the house gets for fields the file leaves out.
pub const CAPACITY: i64 = 10;
pub const RESPONSE_HOURS: &str = r#"{"lognormal": {"median": 4, "p90": 24}}"#;
pub const WORK_DAYS: &str = r#"{"exponential": {"mean": 20}}"#;
pub const QUALIFY_RATE: f64 = 0.6;
pub const WIN_RATE: f64 = 0.25;
pub const DEAL_SIZE: &str = r#"{"lognormal": {"median": 20000, "p90": 60000}}"#;
pub const QUALITY: &str = r#"{"beta": {"mean": 0.3, "concentration": 6}}"#;
pub const TIER: &str = "standard";
pub const PERIOD_DAYS: f64 = 90.0;
pub const PATIENCE_PERIODS: i64 = 2;
pub const SIGNAL: &str = "score";
/// Offers: a partner accepts every offer, at once, unless told otherwise.
pub const ACCEPT_RATE: f64 = 1.0;
pub const ACCEPT_HOURS: &str = r#"{"fixed": 0}"#;
/// Offers: partners offered at once in a broadcast round, how long an offer
/// waits for an answer, and rounds before the lead goes to `then`.
pub const OFFER_TO: i64 = 3;
pub const OFFER_WINDOW_HOURS: f64 = 4.0;
pub const OFFER_MAX_ROUNDS: i64 = 3;
