//! Validation: raw serde structs in, the typed [`Model`] out.
//!
//! This is the only place that checks values and cross-references. It
//! collects every problem (with its field path) before failing, applies the
//! documented defaults, resolves names to indices, and suggests the nearest
//! valid name for a typo. It never panics on any input.

use super::dist::{Dist, Rate, Support};
use super::errors::{did_you_mean, FieldErrors};
use super::raw::*;
use crate::model::*;

/// The defaults a partner or the house gets for fields the file leaves out.
pub(super) mod defaults {
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
}

fn default_dist(json: &str) -> RawDist {
    serde_json::from_str(json).expect("built-in default distributions parse")
}

/// Interns names in order of first mention.
#[derive(Default)]
pub(super) struct Names(pub(super) Vec<String>);

impl Names {
    pub(super) fn intern(&mut self, name: &str) -> usize {
        match self.0.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.0.push(name.to_string());
                self.0.len() - 1
            }
        }
    }
}

pub(super) struct Checker<'a> {
    pub(super) errors: FieldErrors,
    /// The scenario file's folder: CSV paths are relative to it.
    pub(super) base_dir: Option<&'a std::path::Path>,
}

impl Checker<'_> {
    pub(super) fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(path.into(), message.into());
    }
    pub(super) fn positive(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.fail(path, format!("must be a positive number, got {v}"));
        }
    }
    pub(super) fn non_negative(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.fail(path, format!("must be a number >= 0, got {v}"));
        }
    }
    pub(super) fn unit(&mut self, path: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.fail(path, format!("must be a probability in [0, 1], got {v}"));
        }
    }
    pub(super) fn dist(
        &mut self,
        raw: Option<&RawDist>,
        default: &str,
        path: &str,
        support: Support,
    ) -> Option<Dist> {
        match raw {
            Some(raw) => {
                let raw = self.inline(raw, path, support == Support::NonNegative)?;
                Dist::build(&raw, path, support, &mut self.errors)
            }
            None => Dist::build(&default_dist(default), path, support, &mut self.errors),
        }
    }
    pub(super) fn rate(&mut self, raw: Option<&RawRate>, default: f64, path: &str) -> Option<Rate> {
        match raw {
            Some(RawRate::Dist(d)) => {
                let d = self.inline(d, path, true)?;
                Rate::build(&RawRate::Dist(d), path, &mut self.errors)
            }
            Some(raw) => Rate::build(raw, path, &mut self.errors),
            None => Some(Rate::Fixed(default)),
        }
    }

    /// A CSV-backed `empirical` distribution read into an inline one; any
    /// other distribution as it is.
    fn inline(&mut self, raw: &RawDist, path: &str, non_negative: bool) -> Option<RawDist> {
        let RawDist::Empirical(RawEmpirical::Csv(csv)) = raw else {
            return Some(raw.clone());
        };
        let file = super::data::resolve(self.base_dir, &csv.csv);
        match super::data::read_column(&file, &csv.column, non_negative) {
            Ok(values) => Some(RawDist::Empirical(RawEmpirical::Values(values))),
            Err(e) => {
                self.fail(format!("{path}.empirical"), e);
                None
            }
        }
    }
}

/// The most leads one replication may expect (arrivals per day x horizon).
pub const MAX_EXPECTED_LEADS: f64 = 1e7;

/// Turns a parsed scenario into a model, or every problem found.
pub fn validate(
    raw: &RawScenario,
    base_dir: Option<&std::path::Path>,
) -> Result<Model, FieldErrors> {
    let mut c = Checker {
        errors: FieldErrors::default(),
        base_dir,
    };
    let mut regions = Names::default();
    let mut verticals = Names::default();
    let mut tiers = Names::default();

    if raw.name.trim().is_empty() {
        c.fail("name", "must not be empty: it names the output folder");
    } else if raw.name.contains(['/', '\\']) || raw.name == "." || raw.name == ".." {
        c.fail(
            "name",
            format!("`{}` cannot name a folder: avoid `/` and `\\`", raw.name),
        );
    }
    c.positive("horizon_days", raw.horizon_days);
    if raw.replications < 1 {
        c.fail(
            "replications",
            format!("must be at least 1, got {}", raw.replications),
        );
    }

    let leads = super::leads::lead_model(
        &mut c,
        &raw.leads,
        raw.horizon_days,
        &mut regions,
        &mut verticals,
    );
    if let Some(l) = &leads {
        let expected_leads = l.arrivals_per_hour * HOURS_PER_DAY * raw.horizon_days;
        if expected_leads > MAX_EXPECTED_LEADS {
            c.fail(
                "leads.arrivals_per_day",
                format!(
                    "{:.1} leads a day for {} days is {expected_leads:.3e} leads per replication; the limit is {MAX_EXPECTED_LEADS:.0e} (each replication holds its leads in memory)",
                    l.arrivals_per_hour * HOURS_PER_DAY,
                    raw.horizon_days
                ),
            );
        }
    }

    c.positive(
        "speed_to_lead.half_life_hours",
        raw.speed_to_lead.half_life_hours,
    );
    c.unit("speed_to_lead.floor", raw.speed_to_lead.floor);
    let e = &raw.economics;
    c.unit("economics.gross_margin", e.gross_margin);
    c.unit("economics.churn_rate", e.churn_rate);
    c.non_negative("economics.discount_churn_factor", e.discount_churn_factor);
    c.positive("economics.review_days", e.review_days);
    c.positive(
        "economics.reference_earnings_per_lead",
        e.reference_earnings_per_lead,
    );

    let house = raw.house.as_ref().and_then(|h| {
        super::partners::team(
            &mut c,
            "house",
            super::partners::TeamFields {
                capacity: h.capacity,
                response_hours: h.response_hours.as_ref(),
                work_days: h.work_days.as_ref(),
                qualify_rate: h.qualify_rate.as_ref(),
                win_rate: h.win_rate.as_ref(),
                deal_size_factor: h.deal_size_factor,
                discount: h.discount.as_ref(),
            },
        )
    });

    let partners = super::partners::partners(
        &mut c,
        &raw.partners,
        &mut regions,
        &mut verticals,
        &mut tiers,
    );
    let policies = policies(&mut c, raw, &partners, &tiers.0, &leads);

    let baseline = match &raw.baseline {
        None => 0,
        Some(name) => match raw.policies.iter().position(|p| &p.name == name) {
            Some(i) => i,
            None => {
                let hint = did_you_mean(name, raw.policies.iter().map(|p| p.name.as_str()));
                let names: Vec<String> = raw
                    .policies
                    .iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect();
                c.fail(
                    "baseline",
                    format!(
                        "`{name}` names no policy (the policies are {}){hint}",
                        names.join(", ")
                    ),
                );
                0
            }
        },
    };

    let worlds = super::worlds::worlds(&mut c, raw, partners.as_deref(), &regions, &verticals);
    let expectations = super::worlds::expectations(&mut c, raw, &worlds);
    if let Some(code) = &raw.currency {
        if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) {
            c.fail(
                "currency",
                format!(
                    "expected a three-letter ISO 4217 code such as \"EUR\" or \"USD\", got \"{}\"",
                    code.chars().take(40).collect::<String>()
                ),
            );
        }
    }

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (Some(leads), Some(partners), Some(policies)) = (leads, partners, policies) else {
        unreachable!("every None above recorded an error")
    };

    // Cross-checks that only warn.
    let mut warnings = Vec::new();
    for s in &leads.segments {
        if let Some(r) = s.region {
            if !partners.iter().any(|p| p.covers_region[r]) {
                warnings.push(format!(
                    "segment `{}`: no partner covers region `{}`; its leads go to the house or are unrouted under `region: require`",
                    s.name, regions.0[r]
                ));
            }
        }
    }
    warnings.extend(uncovered_territories(raw));
    warnings.extend(share_typos(raw));
    let n_regions = regions.0.len();
    let n_verticals = verticals.0.len();
    let partners = partners
        .into_iter()
        .map(|mut p| {
            p.covers_region.resize(n_regions, false);
            p.covers_vertical.resize(n_verticals, false);
            p
        })
        .collect();

    Ok(Model {
        name: raw.name.clone(),
        description: raw.description.clone(),
        horizon_hours: raw.horizon_days * HOURS_PER_DAY,
        replications: raw.replications as u64,
        seed: raw.seed,
        baseline,
        regions: regions.0,
        verticals: verticals.0,
        tiers: tiers.0,
        leads,
        decay: SpeedToLead {
            half_life_hours: raw.speed_to_lead.half_life_hours,
            floor: raw.speed_to_lead.floor,
        },
        economics: Economics {
            gross_margin: e.gross_margin,
            churn_rate: e.churn_rate,
            discount_churn_factor: e.discount_churn_factor,
            review_hours: e.review_days * HOURS_PER_DAY,
            reference_earnings_per_lead: e.reference_earnings_per_lead,
        },
        house,
        partners,
        policies,
        worlds,
        expectations,
        warnings,
        currency: raw.currency.clone(),
    })
}

fn policies(
    c: &mut Checker,
    raw: &RawScenario,
    partners: &Option<Vec<Partner>>,
    tiers: &[String],
    leads: &Option<LeadModel>,
) -> Option<Vec<Policy>> {
    if raw.policies.is_empty() {
        c.fail("policies", "needs at least one policy");
        return None;
    }
    let before = c.errors.len();
    let mut out = Vec::new();
    for (i, p) in raw.policies.iter().enumerate() {
        let path = format!("policies[{i}]");
        if p.name.trim().is_empty() {
            c.fail(format!("{path}.name"), "must not be empty");
        }
        if let Some(first) = raw.policies[..i].iter().position(|q| q.name == p.name) {
            c.fail(
                format!("{path}.name"),
                format!(
                    "policy `{}` is already declared at policies[{first}]",
                    p.name
                ),
            );
        }
        let routing =
            super::policy::routing(&mut c.errors, &path, &p.routing, partners.as_deref(), tiers);
        let eligibility = Eligibility {
            region: match p.eligibility.region {
                RawRegionMode::Require => RegionMode::Require,
                RawRegionMode::Ignore => RegionMode::Ignore,
            },
            vertical: match p.eligibility.vertical {
                RawVerticalMode::Require => VerticalMode::Require,
                RawVerticalMode::Prefer => VerticalMode::Prefer,
                RawVerticalMode::Ignore => VerticalMode::Ignore,
            },
            vertical_mismatch_fit: p.eligibility.vertical_mismatch_fit,
        };
        c.unit(
            &format!("{path}.eligibility.vertical_mismatch_fit"),
            eligibility.vertical_mismatch_fit,
        );
        let scoring = leads
            .as_ref()
            .and_then(|l| super::policy::scoring(&mut c.errors, &path, &p.scoring, &l.signals));
        let sla = super::policy::sla(&mut c.errors, &path, p.sla.as_ref(), raw.house.is_some());
        let caps = super::policy::caps(&mut c.errors, &path, &p.caps);
        let payout = super::policy::payout(&mut c.errors, &path, &p.payout);
        if let (Some(routing), Some(partners), Some(leads)) = (&routing, partners, leads) {
            if routing.rule.learns() && !anyone_eligible(&eligibility, partners, leads) {
                c.fail(
                    format!("{path}.routing.rule"),
                    format!(
                        "`{}` learns from the partners it routes to, but no partner is eligible for any segment under this policy's `eligibility`",
                        routing.rule.name()
                    ),
                );
            }
        }
        if let (Some(routing), Some(scoring), Some(payout)) = (routing, scoring, payout) {
            out.push(Policy {
                name: p.name.clone(),
                description: p.description.clone(),
                routing,
                eligibility,
                scoring,
                sla,
                caps,
                payout,
            });
        }
    }
    (c.errors.len() == before && out.len() == raw.policies.len()).then_some(out)
}

/// True when some partner may receive some segment's leads under `e`.
fn anyone_eligible(e: &Eligibility, partners: &[Partner], leads: &LeadModel) -> bool {
    leads.segments.iter().any(|s| {
        partners.iter().any(|p| {
            let region_ok = s
                .region
                .is_none_or(|r| p.covers_region.get(r).copied().unwrap_or(false));
            let vertical_ok = s
                .vertical
                .is_none_or(|v| p.covers_vertical.get(v).copied().unwrap_or(false));
            (region_ok || e.region == RegionMode::Ignore)
                && (vertical_ok || e.vertical != VerticalMode::Require)
        })
    })
}

/// A partner region or vertical that no segment has: the partner silently
/// gets no leads of it (often a typo: `eu` where segments say `emea`).
/// Says nothing when the leads come from a replay file or when no segment
/// names a region (vertical), since then every partner covers every lead.
fn uncovered_territories(raw: &RawScenario) -> Vec<String> {
    let mut out = Vec::new();
    let Some(segments) = raw.leads.segments.as_deref() else {
        return out;
    };
    let known = |pick: fn(&super::raw::RawSegment) -> Option<&String>| -> Vec<&str> {
        let mut v: Vec<&str> = segments
            .iter()
            .filter_map(|s| pick(s).map(String::as_str))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let regions = known(|s| s.region.as_ref());
    let verticals = known(|s| s.vertical.as_ref());
    for p in &raw.partners {
        for (kind, given, known) in [
            ("region", p.regions.as_deref(), &regions),
            ("vertical", p.verticals.as_deref(), &verticals),
        ] {
            if known.is_empty() {
                continue;
            }
            for name in given.unwrap_or_default() {
                if !known.contains(&name.as_str()) {
                    let hint = did_you_mean(name, known.iter().copied());
                    out.push(format!(
                        "partner `{}`: {kind} `{name}` is in no segment (segments' {kind}s: {}){hint}; \
                         the partner gets no leads through it",
                        p.name,
                        known.join(", ")
                    ));
                }
            }
        }
    }
    out
}

/// Segment shares that look like mistyped fractions or percentages: all at
/// most 1 with a fraction among them but not summing to 1 (`0.5, 0.3, 0.1`),
/// or above 1 and summing to between 50 and 200 but not to 100
/// (`60, 30, 5`). Shares are normalised either way; whole-number weights
/// such as `2, 1, 1` are a documented use and say nothing.
fn share_typos(raw: &RawScenario) -> Vec<String> {
    let Some(segments) = raw.leads.segments.as_deref() else {
        return Vec::new();
    };
    let shares: Vec<f64> = segments.iter().map(|s| s.share).collect();
    let total: f64 = shares.iter().sum();
    if shares.len() < 2 || !total.is_finite() || total <= 0.0 {
        return Vec::new();
    }
    let fractions = shares.iter().all(|&s| s <= 1.0) && shares.iter().any(|s| s.fract() != 0.0);
    let percentages = shares.iter().any(|&s| s > 1.0) && (50.0..=200.0).contains(&total);
    let listed = || {
        segments
            .iter()
            .map(|s| format!("{} {}", s.name, s.share))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if fractions && (total - 1.0).abs() > 1e-9 {
        vec![format!(
            "leads.segments: the shares ({}) look like fractions but sum to {}, not 1; \
             they are normalised, so each counts as its share divided by {}",
            listed(),
            crate::report::format::round_sig(total),
            crate::report::format::round_sig(total)
        )]
    } else if percentages && (total - 100.0).abs() > 1e-9 {
        vec![format!(
            "leads.segments: the shares ({}) look like percentages but sum to {}, not 100; \
             they are normalised, so each counts as its share divided by {}",
            listed(),
            crate::report::format::round_sig(total),
            crate::report::format::round_sig(total)
        )]
    } else {
        Vec::new()
    }
}
