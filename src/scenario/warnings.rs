//! The scenario's warnings: what validates but is probably not what the
//! author meant (a SPIFF after the horizon, a territory in no segment, a
//! region nobody covers, names one letter apart, shares that look like
//! typos, a pool no lead can reach, a learning rule with nobody eligible).

use std::borrow::Borrow;

use super::checker::Names;
use super::errors::did_you_mean;
use super::raw::*;
use crate::model::*;

/// Cross-checks that only warn.
pub(super) fn warnings_of(
    raw: &RawScenario,
    leads: &LeadModel,
    partners: &[Partner],
    regions: &Names,
    verticals: &Names,
) -> Vec<String> {
    let mut warnings = Vec::new();
    for p in &raw.policies {
        for (i, spiff) in p.payout.spiffs.iter().enumerate() {
            if spiff.from_day >= raw.horizon_days {
                warnings.push(format!(
                    "policy `{}`: payout.spiffs[{i}] starts on day {}, at or after the horizon ({} days): it never pays",
                    p.name, spiff.from_day, raw.horizon_days
                ));
            }
        }
        if p.sla.is_none()
            && p.exclusivity
                .as_ref()
                .is_some_and(|e| e.max_sla_breach_rate.is_some())
        {
            warnings.push(format!(
                "policy `{}`: exclusivity.max_sla_breach_rate has no SLA to measure (the policy has no `sla`), so it never revokes a territory",
                p.name
            ));
        }
    }
    for p in partners {
        let (kind, name, any) = match p.exclusive {
            Some(Territory::Region(r)) => (
                "region",
                &regions.0[r],
                leads.segments.iter().any(|s| s.region == Some(r)),
            ),
            Some(Territory::Vertical(v)) => (
                "vertical",
                &verticals.0[v],
                leads.segments.iter().any(|s| s.vertical == Some(v)),
            ),
            None => continue,
        };
        if !any {
            warnings.push(format!(
                "partner `{}`: its exclusive {kind} `{name}` is in no segment; the agreement covers no lead",
                p.name
            ));
        }
    }
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
    warnings.extend(look_alike_names(
        "partners",
        partners.iter().map(|p| p.name.as_str()),
    ));
    warnings.extend(look_alike_names(
        "policies",
        raw.policies.iter().map(|p| p.name.as_str()),
    ));
    warnings.extend(look_alike_names(
        "segments",
        leads.segments.iter().map(|s| s.name.as_str()),
    ));
    warnings.extend(look_alike_names(
        "stress worlds",
        raw.stress.iter().map(|s| s.name.as_str()),
    ));
    warnings.extend(share_typos(raw));
    warnings
}

/// True when some partner may receive some segment's leads under `e`.
/// An escalation pool none of whose members the policy's eligibility ever
/// allows for a lead: every escalation goes to the house (or is dropped).
pub(super) fn unreachable_pools(
    policies: &[Policy],
    partners: &[Partner],
    leads: &LeadModel,
) -> Vec<String> {
    policies
        .iter()
        .filter(|p| p.escalation_pool.iter().any(|&m| m))
        .filter(|p| {
            let members: Vec<&Partner> = partners
                .iter()
                .zip(&p.escalation_pool)
                .filter(|(_, &m)| m)
                .map(|(q, _)| q)
                .collect();
            !anyone_eligible(&p.eligibility, &members, leads)
        })
        .map(|p| {
            format!(
                "policy `{}`: no member of its escalation pool (`sla.then.pool`) covers any segment's region and vertical under its `eligibility`, so the pool never receives a lead: escalated leads go to the house, or are dropped without one",
                p.name
            )
        })
        .collect()
}

pub(super) fn anyone_eligible<P: Borrow<Partner>>(
    e: &Eligibility,
    partners: &[P],
    leads: &LeadModel,
) -> bool {
    leads.segments.iter().any(|s| {
        partners.iter().map(Borrow::borrow).any(|p: &Partner| {
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
    let looks_like = if fractions && (total - 1.0).abs() > 1e-9 {
        ("fractions", 1)
    } else if percentages && (total - 100.0).abs() > 1e-9 {
        ("percentages", 100)
    } else {
        return Vec::new();
    };
    let total = crate::format::round_sig(total);
    vec![format!(
        "leads.segments: the shares ({}) look like {} but sum to {total}, not {}; \
         they are normalised, so each counts as its share divided by {total}",
        listed(),
        looks_like.0,
        looks_like.1
    )]
}

/// Names of one kind that differ only by case or Unicode normalisation
/// (`Acme` and `ACME`, or an accented letter written as one character or
/// as a letter and an accent): valid, and distinct, but almost always a
/// mistake, and confusing in reports.
fn look_alike_names<'n>(kind: &str, names: impl Iterator<Item = &'n str>) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for name in names {
        let key: String = name.nfkc().collect::<String>().to_lowercase();
        match seen.get(key.as_str()) {
            Some(first) if *first != name => out.push(format!(
                "{kind} `{first}` and `{name}` differ only by case or Unicode normalisation; they are treated as different {kind}"
            )),
            Some(_) => {}
            None => {
                seen.insert(key, name);
            }
        }
    }
    out
}
