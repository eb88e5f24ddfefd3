//! Validation: raw serde structs in, the typed [`Model`] out.
//!
//! This is the only place that checks values and cross-references. It
//! collects every problem (with its field path) before failing, applies the
//! documented defaults, resolves names to indices, and suggests the nearest
//! valid name for a typo. It never panics on any input.

use std::collections::BTreeMap;

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
struct Names(Vec<String>);

impl Names {
    fn intern(&mut self, name: &str) -> usize {
        match self.0.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.0.push(name.to_string());
                self.0.len() - 1
            }
        }
    }
}

struct Checker<'a> {
    errors: FieldErrors,
    /// The scenario file's folder: CSV paths are relative to it.
    base_dir: Option<&'a std::path::Path>,
}

impl Checker<'_> {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(path.into(), message.into());
    }
    fn positive(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.fail(path, format!("must be a positive number, got {v}"));
        }
    }
    fn non_negative(&mut self, path: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.fail(path, format!("must be a number >= 0, got {v}"));
        }
    }
    fn unit(&mut self, path: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.fail(path, format!("must be a probability in [0, 1], got {v}"));
        }
    }
    fn dist(
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
    fn rate(&mut self, raw: Option<&RawRate>, default: f64, path: &str) -> Option<Rate> {
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

    let leads = lead_model(
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
        team(
            &mut c,
            "house",
            TeamFields {
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

    let partners = partners(
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
                c.fail("baseline", format!("`{name}` names no policy{hint}"));
                0
            }
        },
    };

    let worlds = worlds(&mut c, raw, partners.as_deref(), &regions, &verticals);
    let expectations = expectations(&mut c, raw, &worlds);

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
    })
}

fn lead_model(
    c: &mut Checker,
    raw: &RawLeads,
    horizon_days: f64,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<LeadModel> {
    if let Some(rate) = raw.arrivals_per_day {
        c.non_negative("leads.arrivals_per_day", rate);
    }
    let signals = match &raw.signals {
        None => vec![Signal {
            name: defaults::SIGNAL.into(),
            noise: 0.1,
        }],
        Some(list) => {
            if list.is_empty() {
                c.fail(
                    "leads.signals",
                    "needs at least one signal (or leave it out for the default `score`)",
                );
            }
            let mut seen = Vec::new();
            for (i, s) in list.iter().enumerate() {
                if s.name.trim().is_empty() {
                    c.fail(format!("leads.signals[{i}].name"), "must not be empty");
                } else if seen.contains(&s.name) {
                    c.fail(
                        format!("leads.signals[{i}].name"),
                        format!("`{}` is declared twice", s.name),
                    );
                }
                seen.push(s.name.clone());
                c.non_negative(&format!("leads.signals[{i}].noise"), s.noise);
            }
            list.iter()
                .map(|s| Signal {
                    name: s.name.clone(),
                    noise: s.noise,
                })
                .collect()
        }
    };
    if let Some(replay) = &raw.replay {
        if raw.segments.is_some() {
            c.fail(
                "leads.segments",
                "give `segments` or `replay`, not both: a replay's segments come from its file",
            );
            return None;
        }
        return replay_model(
            c,
            replay,
            raw.arrivals_per_day,
            horizon_days,
            signals,
            regions,
            verticals,
        );
    }
    let default_segment = [RawSegment {
        name: "all".into(),
        share: 1.0,
        region: None,
        vertical: None,
        deal_size: None,
        quality: None,
    }];
    let raw_segments: &[RawSegment] = raw.segments.as_deref().unwrap_or(&default_segment);
    if raw_segments.is_empty() {
        c.fail(
            "leads.segments",
            "needs at least one segment (or leave it out for one segment covering every lead)",
        );
    }
    let mut segments = Vec::new();
    let mut names = Vec::new();
    for (i, s) in raw_segments.iter().enumerate() {
        let path = format!("leads.segments[{i}]");
        if names.contains(&&s.name) {
            c.fail(
                format!("{path}.name"),
                format!("`{}` is declared twice", s.name),
            );
        }
        names.push(&s.name);
        c.non_negative(&format!("{path}.share"), s.share);
        let deal_size = c.dist(
            s.deal_size.as_ref(),
            defaults::DEAL_SIZE,
            &format!("{path}.deal_size"),
            Support::NonNegative,
        );
        let quality = c.dist(
            s.quality.as_ref(),
            defaults::QUALITY,
            &format!("{path}.quality"),
            Support::Unit,
        );
        if let (Some(deal_size), Some(quality)) = (deal_size, quality) {
            segments.push(Segment {
                name: s.name.clone(),
                share: s.share,
                region: s.region.as_deref().map(|r| regions.intern(r)),
                vertical: s.vertical.as_deref().map(|v| verticals.intern(v)),
                deal_size,
                quality,
            });
        }
    }
    let total: f64 = raw_segments
        .iter()
        .map(|s| s.share)
        .filter(|s| s.is_finite())
        .sum();
    if !raw_segments.is_empty() && total <= 0.0 {
        c.fail(
            "leads.segments",
            "the segments' shares sum to 0: at least one share must be positive",
        );
    }
    if segments.len() != raw_segments.len() || total <= 0.0 || !c.errors.is_empty() {
        return None;
    }
    for s in &mut segments {
        s.share /= total;
    }
    Some(LeadModel {
        arrivals_per_hour: raw
            .arrivals_per_day
            .unwrap_or_else(default_arrivals_per_day)
            / HOURS_PER_DAY,
        signals,
        segments,
        replay: None,
    })
}

/// `leads.replay`: reads the historical leads, derives one segment per
/// (region, vertical) found in the file, and the arrival rate.
fn replay_model(
    c: &mut Checker,
    raw: &RawReplay,
    arrivals_per_day: Option<f64>,
    horizon_days: f64,
    signals: Vec<Signal>,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<LeadModel> {
    let exact = raw.mode == RawReplayMode::Exact;
    let path = super::data::resolve(c.base_dir, &raw.csv);
    let rows = match super::data::read_leads(&path, exact || arrivals_per_day.is_none()) {
        Ok(rows) => rows,
        Err(e) => {
            c.fail("leads.replay.csv", e);
            return None;
        }
    };
    // Segments: (region, vertical) combinations in order of first sight.
    let mut keys: Vec<(Option<String>, Option<String>)> = Vec::new();
    let mut leads = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = (row.region.clone(), row.vertical.clone());
        let segment = match keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        };
        leads.push(ReplayLead {
            arrival_hours: row.arrival_day.unwrap_or(0.0) * HOURS_PER_DAY,
            segment: segment as u32,
            quality: row.quality.or(row.score).unwrap_or(0.0),
            score: if row.quality.is_some() {
                None
            } else {
                row.score
            },
            deal_size: row.deal_size,
        });
    }
    let mut by_segment = vec![Vec::new(); keys.len()];
    for (i, l) in leads.iter().enumerate() {
        by_segment[l.segment as usize].push(i as u32);
    }
    let segments: Vec<Segment> = keys
        .iter()
        .zip(&by_segment)
        .map(|((region, vertical), members)| {
            let values = |f: fn(&ReplayLead) -> f64| -> std::sync::Arc<[f64]> {
                members.iter().map(|&i| f(&leads[i as usize])).collect()
            };
            Segment {
                name: format!(
                    "{}/{}",
                    region.as_deref().unwrap_or("any"),
                    vertical.as_deref().unwrap_or("any")
                ),
                share: members.len() as f64 / leads.len() as f64,
                region: region.as_deref().map(|r| regions.intern(r)),
                vertical: vertical.as_deref().map(|v| verticals.intern(v)),
                deal_size: Dist::Empirical(values(|l| l.deal_size)),
                quality: Dist::Empirical(values(|l| l.quality)),
            }
        })
        .collect();
    let days: Vec<f64> = rows.iter().filter_map(|r| r.arrival_day).collect();
    let span = match (days.first(), days.last()) {
        (Some(first), Some(last)) => last - first,
        _ => 0.0,
    };
    let rate_per_day = match arrivals_per_day {
        Some(rate) => rate,
        // An exact replay's rate only sizes memory: its leads are the file's.
        None if exact => rows.len() as f64 / horizon_days.max(1e-9),
        None if span > 0.0 => rows.len() as f64 / span,
        None => {
            c.fail(
                "leads.replay.csv",
                format!("{}: all leads arrive on one day, so the historical rate is unknown: give `leads.arrivals_per_day`", path.display()),
            );
            return None;
        }
    };
    let replay = if exact {
        if arrivals_per_day.is_some() {
            c.fail(
                "leads.arrivals_per_day",
                "an exact replay's arrivals are the file's: leave `arrivals_per_day` out",
            );
        }
        let inside = leads
            .iter()
            .filter(|l| l.arrival_hours < horizon_days * HOURS_PER_DAY)
            .count();
        if inside < leads.len() {
            c.fail(
                "horizon_days",
                format!(
                    "{} of the {} leads in {} arrive after the horizon ({horizon_days} days): lengthen `horizon_days` to cover the file",
                    leads.len() - inside,
                    leads.len(),
                    path.display()
                ),
            );
        }
        Replay::Exact(leads)
    } else {
        Replay::Bootstrap { leads, by_segment }
    };
    Some(LeadModel {
        arrivals_per_hour: rate_per_day / HOURS_PER_DAY,
        signals,
        segments,
        replay: Some(replay),
    })
}

struct TeamFields<'a> {
    capacity: Option<i64>,
    response_hours: Option<&'a RawDist>,
    work_days: Option<&'a RawDist>,
    qualify_rate: Option<&'a RawRate>,
    win_rate: Option<&'a RawRate>,
    deal_size_factor: Option<f64>,
    discount: Option<&'a RawRate>,
}

fn team(c: &mut Checker, path: &str, f: TeamFields) -> Option<Team> {
    let capacity = f.capacity.unwrap_or(defaults::CAPACITY);
    if !(1..=u32::MAX as i64).contains(&capacity) {
        c.fail(
            format!("{path}.capacity"),
            format!("must be at least 1 lead worked at once, got {capacity}"),
        );
    }
    let response_hours = c.dist(
        f.response_hours,
        defaults::RESPONSE_HOURS,
        &format!("{path}.response_hours"),
        Support::NonNegative,
    );
    let work_days = c.dist(
        f.work_days,
        defaults::WORK_DAYS,
        &format!("{path}.work_days"),
        Support::NonNegative,
    );
    let qualify_rate = c.rate(
        f.qualify_rate,
        defaults::QUALIFY_RATE,
        &format!("{path}.qualify_rate"),
    );
    let win_rate = c.rate(f.win_rate, defaults::WIN_RATE, &format!("{path}.win_rate"));
    let discount = c.rate(f.discount, 0.0, &format!("{path}.discount"));
    let deal_size_factor = f.deal_size_factor.unwrap_or(1.0);
    c.positive(&format!("{path}.deal_size_factor"), deal_size_factor);
    Some(Team {
        capacity: capacity.clamp(1, u32::MAX as i64) as u32,
        response_hours: response_hours?,
        work_days: work_days?,
        qualify_rate: qualify_rate?,
        win_rate: win_rate?,
        deal_size_factor,
        discount: discount?,
    })
}

fn partners(
    c: &mut Checker,
    raw: &[RawPartner],
    regions: &mut Names,
    verticals: &mut Names,
    tiers: &mut Names,
) -> Option<Vec<Partner>> {
    if raw.is_empty() {
        c.fail("partners", "needs at least one partner");
        return None;
    }
    let before = c.errors.len();
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (i, p) in raw.iter().enumerate() {
        let path = format!("partners[{i}]");
        if p.name.trim().is_empty() {
            c.fail(format!("{path}.name"), "must not be empty");
        }
        let count = p.count.unwrap_or(1);
        if !(1..=100_000).contains(&count) {
            c.fail(
                format!("{path}.count"),
                format!("must be between 1 and 100000, got {count}"),
            );
        }
        let names: Vec<String> = match p.count {
            None => vec![p.name.clone()],
            Some(n) => (1..=n.clamp(0, 100_000))
                .map(|k| format!("{}-{k}", p.name))
                .collect(),
        };
        for name in &names {
            if let Some(first) = seen.get(name) {
                c.fail(
                    format!("{path}.name"),
                    format!("partner `{name}` is already declared at {first}"),
                );
            } else {
                seen.insert(name.clone(), path.clone());
            }
        }
        let region_ids: Option<Vec<usize>> = p
            .regions
            .as_ref()
            .map(|rs| rs.iter().map(|r| regions.intern(r)).collect());
        let vertical_ids: Option<Vec<usize>> = p
            .verticals
            .as_ref()
            .map(|vs| vs.iter().map(|v| verticals.intern(v)).collect());
        let tier = tiers.intern(p.tier.as_deref().unwrap_or(defaults::TIER));
        let team = team(
            c,
            &path,
            TeamFields {
                capacity: p.capacity,
                response_hours: p.response_hours.as_ref(),
                work_days: p.work_days.as_ref(),
                qualify_rate: p.qualify_rate.as_ref(),
                win_rate: p.win_rate.as_ref(),
                deal_size_factor: p.deal_size_factor,
                discount: p.discount.as_ref(),
            },
        );
        let elasticity = p.effort_elasticity.unwrap_or(0.0);
        c.non_negative(&format!("{path}.effort_elasticity"), elasticity);
        let min_earnings = p.min_period_earnings.unwrap_or(0.0);
        c.non_negative(&format!("{path}.min_period_earnings"), min_earnings);
        let patience = p.patience_periods.unwrap_or(defaults::PATIENCE_PERIODS);
        if !(1..=1_000_000).contains(&patience) {
            c.fail(
                format!("{path}.patience_periods"),
                format!("must be at least 1 review, got {patience}"),
            );
        }
        for (k, w) in p.away.iter().enumerate() {
            if !(w.from_day.is_finite()
                && w.to_day.is_finite()
                && w.from_day >= 0.0
                && w.to_day > w.from_day)
            {
                c.fail(
                    format!("{path}.away[{k}]"),
                    format!(
                        "expected 0 <= from_day < to_day, got from_day {} and to_day {}",
                        w.from_day, w.to_day
                    ),
                );
            }
        }
        if let Some(day) = p.joins_day {
            c.non_negative(&format!("{path}.joins_day"), day);
        }
        let Some(team) = team else { continue };
        for name in names {
            let mut covers_region = vec![false; regions.0.len()];
            let mut covers_vertical = vec![false; verticals.0.len()];
            match &region_ids {
                None => covers_region.iter_mut().for_each(|c| *c = true),
                Some(ids) => ids.iter().for_each(|&r| covers_region[r] = true),
            }
            match &vertical_ids {
                None => covers_vertical.iter_mut().for_each(|c| *c = true),
                Some(ids) => ids.iter().for_each(|&v| covers_vertical[v] = true),
            }
            out.push(Partner {
                name,
                tier,
                covers_region,
                covers_vertical,
                team: team.clone(),
                effort_elasticity: elasticity,
                min_period_earnings: min_earnings,
                patience_periods: patience.clamp(1, 1_000_000) as u32,
                away: p
                    .away
                    .iter()
                    .map(|w| (w.from_day * HOURS_PER_DAY, w.to_day * HOURS_PER_DAY))
                    .collect(),
                joins_hours: p.joins_day.map(|d| d * HOURS_PER_DAY),
                prior_win_rate: (team.qualify_rate.mean() * team.win_rate.mean())
                    .clamp(1e-3, 1.0 - 1e-3),
                response_median_hours: team.response_hours.median(),
            });
        }
    }
    // Partners that name all regions (`regions` left out) must also cover
    // regions interned after them; `validate` pads, so fill here instead.
    for (p, r) in out.iter_mut().zip(expanded_flags(raw)) {
        if r.0 {
            p.covers_region = vec![true; regions.0.len()];
        }
        if r.1 {
            p.covers_vertical = vec![true; verticals.0.len()];
        }
    }
    (c.errors.len() == before).then_some(out)
}

/// For each expanded partner: (covers every region, covers every vertical).
fn expanded_flags(raw: &[RawPartner]) -> Vec<(bool, bool)> {
    raw.iter()
        .flat_map(|p| {
            let n = p.count.unwrap_or(1).clamp(0, 100_000) as usize;
            std::iter::repeat_n((p.regions.is_none(), p.verticals.is_none()), n)
        })
        .collect()
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

/// The base world and the `stress` worlds, with names resolved.
fn worlds(
    c: &mut Checker,
    raw: &RawScenario,
    partners: Option<&[Partner]>,
    regions: &Names,
    verticals: &Names,
) -> Vec<WorldSpec> {
    let mut worlds = vec![WorldSpec {
        name: BASE_WORLD.into(),
        description: String::new(),
        events: Vec::new(),
    }];
    let partner_index = |c: &mut Checker, path: String, name: &str| -> Option<usize> {
        let partners = partners?;
        match partners.iter().position(|p| p.name == name) {
            Some(i) => Some(i),
            None => {
                let hint = did_you_mean(name, partners.iter().map(|p| p.name.as_str()));
                c.fail(path, format!("`{name}` names no partner{hint}"));
                None
            }
        }
    };
    for (w, stress) in raw.stress.iter().enumerate() {
        let path = format!("stress[{w}]");
        if stress.name.trim().is_empty() || stress.name == BASE_WORLD {
            c.fail(
                format!("{path}.name"),
                format!(
                    "`{}` cannot name a stress world (`base` is the world without events)",
                    stress.name
                ),
            );
        }
        if raw.stress[..w].iter().any(|s| s.name == stress.name) {
            c.fail(
                format!("{path}.name"),
                format!("stress world `{}` is declared twice", stress.name),
            );
        }
        if stress.events.is_empty() {
            c.fail(format!("{path}.events"), "needs at least one event");
        }
        let mut events = Vec::new();
        for (k, e) in stress.events.iter().enumerate() {
            let path = format!("{path}.events[{k}]");
            if !(e.day.is_finite() && e.day >= 0.0 && e.day <= raw.horizon_days) {
                c.fail(
                    format!("{path}.day"),
                    format!(
                        "must be a day within the horizon [0, {}], got {}",
                        raw.horizon_days, e.day
                    ),
                );
            }
            let given = [
                e.market_skew.is_some(),
                e.demand.is_some(),
                e.consolidation.is_some(),
                e.partner_exit.is_some(),
                e.partner_join.is_some(),
            ];
            if given.iter().filter(|g| **g).count() != 1 {
                c.fail(
                    path.clone(),
                    "an event has `day` and exactly one of `market_skew`, `demand`, `consolidation`, `partner_exit`, `partner_join`",
                );
                continue;
            }
            let hours = e.day * HOURS_PER_DAY;
            let exact_replay = raw
                .leads
                .replay
                .as_ref()
                .is_some_and(|r| r.mode == RawReplayMode::Exact);
            if exact_replay && (e.market_skew.is_some() || e.demand.is_some()) {
                c.fail(
                    path.clone(),
                    "an exact replay's leads are the file's: `market_skew` and `demand` cannot change them (use `mode: bootstrap`)",
                );
                continue;
            }
            let kind = if let Some(s) = &e.market_skew {
                if !(s.factor.is_finite() && s.factor >= 0.0) {
                    c.fail(
                        format!("{path}.market_skew.factor"),
                        format!("must be a number >= 0, got {}", s.factor),
                    );
                }
                let lookup = |c: &mut Checker,
                              field: &str,
                              name: &Option<String>,
                              names: &Names|
                 -> Option<Option<usize>> {
                    match name {
                        None => Some(None),
                        Some(n) => match names.0.iter().position(|x| x == n) {
                            Some(i) => Some(Some(i)),
                            None => {
                                let hint = did_you_mean(n, names.0.iter().map(String::as_str));
                                c.fail(
                                    format!("{path}.market_skew.{field}"),
                                    format!("`{n}` is no segment's {field}{hint}"),
                                );
                                None
                            }
                        },
                    }
                };
                if s.region.is_some() == s.vertical.is_some() {
                    c.fail(
                        format!("{path}.market_skew"),
                        "give exactly one of `region` or `vertical`",
                    );
                    continue;
                }
                let (Some(region), Some(vertical)) = (
                    lookup(c, "region", &s.region, regions),
                    lookup(c, "vertical", &s.vertical, verticals),
                ) else {
                    continue;
                };
                WorldEventKind::MarketSkew {
                    region,
                    vertical,
                    factor: s.factor,
                }
            } else if let Some(d) = &e.demand {
                if !(d.factor.is_finite() && d.factor >= 0.0) {
                    c.fail(
                        format!("{path}.demand.factor"),
                        format!("must be a number >= 0, got {}", d.factor),
                    );
                }
                let until = d.until_day.unwrap_or(f64::INFINITY);
                if until <= e.day {
                    c.fail(
                        format!("{path}.demand.until_day"),
                        format!("must come after the event's day ({}), got {until}", e.day),
                    );
                }
                WorldEventKind::Demand {
                    factor: d.factor,
                    until_hours: until * HOURS_PER_DAY,
                }
            } else if let Some(m) = &e.consolidation {
                let acquirer =
                    partner_index(c, format!("{path}.consolidation.acquirer"), &m.acquirer);
                let acquired =
                    partner_index(c, format!("{path}.consolidation.acquired"), &m.acquired);
                let (Some(acquirer), Some(acquired)) = (acquirer, acquired) else {
                    continue;
                };
                if acquirer == acquired {
                    c.fail(
                        format!("{path}.consolidation"),
                        "a partner cannot acquire itself",
                    );
                    continue;
                }
                WorldEventKind::Consolidation { acquirer, acquired }
            } else if let Some(x) = &e.partner_exit {
                let Some(partner) =
                    partner_index(c, format!("{path}.partner_exit.partner"), &x.partner)
                else {
                    continue;
                };
                WorldEventKind::PartnerExit { partner }
            } else {
                let x = e.partner_join.as_ref().expect("one kind is given");
                let Some(partner) =
                    partner_index(c, format!("{path}.partner_join.partner"), &x.partner)
                else {
                    continue;
                };
                WorldEventKind::PartnerJoin { partner }
            };
            events.push(WorldEvent { hours, kind });
        }
        events.sort_by(|a, b| a.hours.total_cmp(&b.hours));
        worlds.push(WorldSpec {
            name: stress.name.clone(),
            description: stress.description.clone(),
            events,
        });
    }
    worlds
}

/// `expect`: assertions a run must satisfy, with names resolved.
fn expectations(c: &mut Checker, raw: &RawScenario, worlds: &[WorldSpec]) -> Vec<Expectation> {
    use crate::metrics::{index_of, Direction, METRICS};
    let policy_names: Vec<&str> = raw.policies.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    for (i, e) in raw.expect.iter().enumerate() {
        let path = format!("expect[{i}]");
        let find_policy = |c: &mut Checker, field: &str, name: &str| -> Option<usize> {
            let found = policy_names.iter().position(|p| *p == name);
            if found.is_none() {
                c.fail(
                    format!("{path}.{field}"),
                    format!(
                        "`{name}` names no policy{}",
                        did_you_mean(name, policy_names.iter().copied())
                    ),
                );
            }
            found
        };
        let policy = find_policy(c, "policy", &e.policy);
        let world_name = e.world.as_deref().unwrap_or(BASE_WORLD);
        let world = worlds.iter().position(|w| w.name == world_name);
        if world.is_none() {
            c.fail(
                format!("{path}.world"),
                format!(
                    "`{world_name}` names no world{}",
                    did_you_mean(world_name, worlds.iter().map(|w| w.name.as_str()))
                ),
            );
        }
        let metric = index_of(&e.metric);
        if metric.is_none() {
            c.fail(
                format!("{path}.metric"),
                format!(
                    "`{}` is no metric{}",
                    e.metric,
                    did_you_mean(&e.metric, METRICS.iter().map(|m| m.name))
                ),
            );
        }
        let given = [
            e.max.is_some(),
            e.min.is_some(),
            e.better_than.is_some(),
            e.not_worse_than.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            c.fail(
                path.clone(),
                "an assertion has exactly one of `max`, `min`, `better_than`, `not_worse_than`",
            );
            continue;
        }
        if e.margin.is_some() && e.not_worse_than.is_none() {
            c.fail(
                format!("{path}.margin"),
                "`margin` only applies to `not_worse_than`",
            );
        }
        let margin = e.margin.unwrap_or(0.0);
        if !(margin.is_finite() && margin >= 0.0) {
            c.fail(
                format!("{path}.margin"),
                format!("must be a number >= 0, got {margin}"),
            );
        }
        let kind = match (e.max, e.min, &e.better_than, &e.not_worse_than) {
            (Some(v), ..) => Some(ExpectKind::Max(v)),
            (_, Some(v), ..) => Some(ExpectKind::Min(v)),
            (_, _, Some(other), _) => {
                find_policy(c, "better_than", other).map(ExpectKind::BetterThan)
            }
            (_, _, _, Some(other)) => find_policy(c, "not_worse_than", other)
                .map(|other| ExpectKind::NotWorseThan { other, margin }),
            _ => None,
        };
        if let (Some(m), Some(ExpectKind::BetterThan(_) | ExpectKind::NotWorseThan { .. })) =
            (metric, kind)
        {
            if METRICS[m].direction == Direction::Neutral {
                c.fail(
                    format!("{path}.metric"),
                    format!("`{}` has no better side, so `better_than` and `not_worse_than` cannot apply; use `max` or `min`", METRICS[m].name),
                );
            }
        }
        if let (Some(policy), Some(world), Some(metric), Some(kind)) = (policy, world, metric, kind)
        {
            out.push(Expectation {
                policy,
                world,
                metric,
                kind,
            });
        }
    }
    out
}
