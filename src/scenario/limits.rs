//! Every limit the scenario format enforces: upper bounds on counts and
//! magnitudes, so that a typo or a hostile file cannot make validation or a
//! run take unbounded time or memory (docs/scenario-format.md, "Limits").

/// The longest name accepted (scenario, partner, policy, segment, world).
pub const MAX_NAME_CHARS: usize = 200;

// Upper bounds on counts.

/// Partners after `count` expansion.
pub const PARTNERS: u64 = 10_000;
pub const POLICIES: usize = 200;
/// Stress worlds, besides the base world.
pub const WORLDS: usize = 200;
/// Policies x worlds: the cells every output has a row for.
pub const CELLS: usize = 2_000;
pub const SEGMENTS: usize = 10_000;
pub const SIGNALS: usize = 100;
pub const EXPECTATIONS: usize = 1_000;
/// `decision.guardrails`.
pub const GUARDRAILS: usize = 100;
/// Events of one stress world.
pub const EVENTS: usize = 1_000;

/// The longest horizon, in days: ten years of a programme.
pub const MAX_HORIZON_DAYS: f64 = 3650.0;

/// The longest follow-up after the horizon before `readout_day`, in days.
pub const MAX_FOLLOW_UP_DAYS: f64 = 3650.0;

/// The shortest payout period, in days.
pub const MIN_PERIOD_DAYS: f64 = 1.0;

/// The shortest review period of partner behaviour, in days.
pub const MIN_REVIEW_DAYS: f64 = 1.0;

/// The most replications a scenario or `--replications` may ask for.
pub const MAX_REPLICATIONS: i64 = 10_000_000;

/// The most leads one replication may expect: the vendor's (arrivals per
/// day x horizon, in the busiest world) and the partners' own together.
/// About 170 bytes each: 5 million stay under 1 GB.
pub const MAX_EXPECTED_LEADS: f64 = 5e6;

/// The largest parameter magnitude accepted (hours or money), in a
/// scenario and in its data files: far beyond any real lead flow, small
/// enough that no sampler overflows.
pub const MAX_MAGNITUDE: f64 = 1e12;
