//! Validation of one policy's sections: routing, scoring, SLA, caps, payout.
//!
//! Split from `validate.rs` to keep each file to one subject; the same rules
//! apply: collect every problem with its field path, never panic.

use super::errors::{did_you_mean, FieldErrors};
use super::raw::*;
use crate::model::*;

fn unit(errors: &mut FieldErrors, path: String, v: f64) {
    if !(0.0..=1.0).contains(&v) {
        errors.push(path, format!("must be a number in [0, 1], got {v}"));
    }
}

fn base_rule(errors: &mut FieldErrors, path: String, rule: RawRule) -> Option<Rule> {
    match rule {
        RawRule::RoundRobin => Some(Rule::RoundRobin),
        RawRule::Weighted => Some(Rule::Weighted),
        RawRule::LeastLoaded => Some(Rule::LeastLoaded),
        RawRule::ScoreTiered => {
            errors.push(
                path,
                format!(
                    "`score_tiered` cannot be nested inside itself; use one of {}",
                    Rule::ALL
                        .iter()
                        .map(|r| format!("`{}`", r.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            None
        }
        RawRule::Fastest => Some(Rule::Fastest),
        RawRule::BestWinRate => Some(Rule::BestWinRate),
        RawRule::Thompson => Some(Rule::Thompson),
    }
}

/// `routing`: the rule, its score tiers and its weights.
pub fn routing(
    errors: &mut FieldErrors,
    path: &str,
    raw: &RawRouting,
    partners: Option<&[Partner]>,
    tiers: &[String],
) -> Option<Routing> {
    let before = errors.len();
    let path = format!("{path}.routing");
    let (rule, score_tiers) = if raw.rule == RawRule::ScoreTiered {
        let within = base_rule(
            errors,
            format!("{path}.then"),
            raw.then.unwrap_or(RawRule::RoundRobin),
        );
        (
            within,
            score_tiers(errors, &path, raw.tiers.as_deref(), tiers),
        )
    } else {
        if raw.tiers.is_some() {
            errors.push(
                format!("{path}.tiers"),
                "`tiers` only applies to the rule `score_tiered`".into(),
            );
        }
        if raw.then.is_some() {
            errors.push(
                format!("{path}.then"),
                "`then` only applies to the rule `score_tiered`".into(),
            );
        }
        (
            base_rule(errors, format!("{path}.rule"), raw.rule),
            Vec::new(),
        )
    };
    let weights = match &raw.weights {
        None => vec![1.0; partners.map_or(0, |p| p.len())],
        Some(map) => {
            if rule != Some(Rule::Weighted) {
                errors.push(
                    format!("{path}.weights"),
                    "`weights` only applies to the rule `weighted`".into(),
                );
            }
            weights(errors, &path, map, partners, tiers)
        }
    };
    if errors.len() > before {
        return None;
    }
    let empty = std::collections::BTreeMap::new();
    let map = raw.weights.as_ref().unwrap_or(&empty);
    Some(Routing {
        tiers: score_tiers,
        rule: rule?,
        weights,
        weights_by_name: partners
            .unwrap_or_default()
            .iter()
            .map(|p| map.get(&p.name).copied())
            .collect(),
        weights_by_tier: tiers
            .iter()
            .map(|t| map.get(t).copied().unwrap_or(1.0))
            .collect(),
    })
}

/// `score_tiered`'s `tiers`, each as a mask over partner tiers, listed from
/// the highest `min_score` down.
fn score_tiers(
    errors: &mut FieldErrors,
    path: &str,
    raw: Option<&[RawScoreTier]>,
    tiers: &[String],
) -> Vec<ScoreTier> {
    let list = match raw {
        None => {
            errors.push(
                format!("{path}.tiers"),
                "score_tiered needs `tiers`: [{\"min_score\": .., \"partner_tiers\": [..]}]".into(),
            );
            return Vec::new();
        }
        Some([]) => {
            errors.push(format!("{path}.tiers"), "needs at least one tier".into());
            return Vec::new();
        }
        Some(list) => list,
    };
    let mut score_tiers = Vec::new();
    for (k, t) in list.iter().enumerate() {
        unit(errors, format!("{path}.tiers[{k}].min_score"), t.min_score);
        if t.partner_tiers.is_empty() {
            errors.push(
                format!("{path}.tiers[{k}].partner_tiers"),
                "names no partner tier".into(),
            );
        }
        let mut mask = vec![false; tiers.len()];
        for (j, name) in t.partner_tiers.iter().enumerate() {
            match tiers.iter().position(|t| t == name) {
                Some(idx) => mask[idx] = true,
                None => errors.push(
                    format!("{path}.tiers[{k}].partner_tiers[{j}]"),
                    format!(
                        "`{name}` is no partner's tier (tiers: {}){}",
                        tiers.join(", "),
                        did_you_mean(name, tiers.iter().map(String::as_str))
                    ),
                ),
            }
        }
        score_tiers.push(ScoreTier {
            min_score: t.min_score,
            partner_tiers: mask,
        });
    }
    if list.windows(2).any(|w| w[1].min_score > w[0].min_score) {
        errors.push(
            format!("{path}.tiers"),
            "tiers are tried in order, so list them from the highest `min_score` to the lowest"
                .into(),
        );
    }
    score_tiers
}

/// `weighted`'s weights per partner: a partner's own weight, else its
/// tier's, else 1.
fn weights(
    errors: &mut FieldErrors,
    path: &str,
    map: &std::collections::BTreeMap<String, f64>,
    partners: Option<&[Partner]>,
    tiers: &[String],
) -> Vec<f64> {
    for (key, &w) in map {
        if !(w.is_finite() && w >= 0.0) {
            errors.push(
                format!("{path}.weights.{key}"),
                format!("must be a number >= 0, got {w}"),
            );
        }
        let Some(partners) = partners else { continue };
        let by_name = partners.iter().position(|p| &p.name == key);
        let by_tier = tiers.iter().position(|t| t == key);
        if by_name.is_none() && by_tier.is_none() {
            let candidates = partners
                .iter()
                .map(|p| p.name.as_str())
                .chain(tiers.iter().map(String::as_str));
            errors.push(
                format!("{path}.weights.{key}"),
                format!(
                    "`{key}` names no partner and no tier{}",
                    did_you_mean(key, candidates)
                ),
            );
        }
    }
    // A name is more specific than a tier, so it wins.
    let Some(partners) = partners else {
        return Vec::new();
    };
    partners
        .iter()
        .map(|p| {
            map.get(&p.name)
                .or_else(|| map.get(&tiers[p.tier]))
                .copied()
                .unwrap_or(1.0)
        })
        .collect()
}

pub fn scoring(
    errors: &mut FieldErrors,
    path: &str,
    raw: &RawScoring,
    signals: &[Signal],
) -> Option<Scoring> {
    let before = errors.len();
    let path = format!("{path}.scoring");
    unit(errors, format!("{path}.threshold"), raw.threshold);
    let mut weights = vec![1.0; signals.len()];
    if let Some(map) = &raw.weights {
        weights = vec![0.0; signals.len()];
        for (name, &w) in map {
            if !(w.is_finite() && w >= 0.0) {
                errors.push(
                    format!("{path}.weights.{name}"),
                    format!("must be a number >= 0, got {w}"),
                );
            }
            match signals.iter().position(|s| &s.name == name) {
                Some(i) => weights[i] = w,
                None => errors.push(
                    format!("{path}.weights.{name}"),
                    format!(
                        "`{name}` names no signal in `leads.signals`{}",
                        did_you_mean(name, signals.iter().map(|s| s.name.as_str()))
                    ),
                ),
            }
        }
        if errors.len() == before && weights.iter().sum::<f64>() <= 0.0 {
            errors.push(
                format!("{path}.weights"),
                "the weights sum to 0: at least one must be positive".into(),
            );
        }
    }
    if errors.len() > before {
        return None;
    }
    let total: f64 = weights.iter().sum();
    weights.iter_mut().for_each(|w| *w /= total);
    Some(Scoring {
        weights,
        threshold: raw.threshold,
    })
}

/// `sla.then.pool` as a mask over partners: members by tier or by name.
pub fn escalation_pool(
    errors: &mut FieldErrors,
    path: &str,
    raw: Option<&RawSla>,
    partners: Option<&[Partner]>,
    tiers: &[String],
) -> Vec<bool> {
    let (Some(RawSlaThen::Pool(pool)), Some(partners)) =
        (raw.and_then(|s| s.then.as_ref()), partners)
    else {
        return Vec::new();
    };
    let path = format!("{path}.sla.then.pool");
    let pool = &pool.pool;
    if pool.tiers.is_empty() && pool.partners.is_empty() {
        errors.push(
            path.clone(),
            "names nobody: give `tiers`, `partners` or both".into(),
        );
    }
    for (i, t) in pool.tiers.iter().enumerate() {
        if !tiers.contains(t) {
            errors.push(
                format!("{path}.tiers[{i}]"),
                format!(
                    "`{t}` is no partner's tier{}",
                    did_you_mean(t, tiers.iter().map(String::as_str))
                ),
            );
        }
    }
    for (i, name) in pool.partners.iter().enumerate() {
        if !partners.iter().any(|p| &p.name == name) {
            errors.push(
                format!("{path}.partners[{i}]"),
                format!(
                    "`{name}` names no partner{}",
                    did_you_mean(name, partners.iter().map(|p| p.name.as_str()))
                ),
            );
        }
    }
    partners
        .iter()
        .map(|p| pool.tiers.contains(&tiers[p.tier]) || pool.partners.contains(&p.name))
        .collect()
}

pub fn sla(
    errors: &mut FieldErrors,
    path: &str,
    raw: Option<&RawSla>,
    has_house: bool,
) -> Option<Sla> {
    let raw = raw?;
    let path = format!("{path}.sla");
    if !(raw.first_contact_hours.is_finite() && raw.first_contact_hours > 0.0) {
        errors.push(
            format!("{path}.first_contact_hours"),
            format!(
                "must be a positive number of hours, got {}",
                raw.first_contact_hours
            ),
        );
    }
    if !(0..=1000).contains(&raw.max_reroutes) {
        errors.push(
            format!("{path}.max_reroutes"),
            format!("must be between 0 and 1000, got {}", raw.max_reroutes),
        );
    }
    let then = match &raw.then {
        Some(RawSlaThen::Word(RawSlaThenWord::House)) if !has_house => {
            errors.push(
                format!("{path}.then"),
                "`house` names nothing: the scenario has no `house` team (add one, or use `drop`)"
                    .into(),
            );
            SlaThen::Drop
        }
        Some(RawSlaThen::Word(RawSlaThenWord::House)) => SlaThen::House,
        Some(RawSlaThen::Word(RawSlaThenWord::Drop)) => SlaThen::Drop,
        Some(RawSlaThen::Pool(_)) => SlaThen::Pool,
        None if has_house => SlaThen::House,
        None => SlaThen::Drop,
    };
    Some(Sla {
        first_contact_hours: raw.first_contact_hours,
        max_reroutes: raw.max_reroutes.clamp(0, 1000) as u32,
        then,
        clock: match raw.clock {
            Some(RawSlaClock::Business) => SlaClock::Business,
            Some(RawSlaClock::Calendar) | None => SlaClock::Calendar,
        },
        reroute_rule: raw
            .reroute_rule
            .and_then(|r| base_rule(errors, format!("{path}.reroute_rule"), r)),
    })
}

pub fn caps(errors: &mut FieldErrors, path: &str, raw: &RawCaps) -> Caps {
    let path = format!("{path}.caps");
    if let Some(share) = raw.max_share {
        if !(share > 0.0 && share <= 1.0) {
            errors.push(
                format!("{path}.max_share"),
                format!("must be in (0, 1], got {share}"),
            );
        }
    }
    for (name, v) in [("per_day", raw.per_day), ("per_period", raw.per_period)] {
        if let Some(v) = v {
            if !(1..=u32::MAX as i64).contains(&v) {
                errors.push(
                    format!("{path}.{name}"),
                    format!("must be at least 1 lead, got {v}"),
                );
            }
        }
    }
    Caps {
        max_share: raw.max_share,
        per_day: raw.per_day.map(|v| v.clamp(1, u32::MAX as i64) as u32),
        per_period: raw.per_period.map(|v| v.clamp(1, u32::MAX as i64) as u32),
        when_full: match raw.when_full {
            Some(RawWhenFull::Skip) => WhenFull::Skip,
            _ => WhenFull::Queue,
        },
    }
}

pub fn payout(errors: &mut FieldErrors, path: &str, raw: &RawPayout) -> Option<Payout> {
    payout_at(errors, format!("{path}.payout"), raw)
}

/// `payout.by_tier`: for every tier (by index), the policy's payout
/// (`own`, already validated) with the tier's fields over it, each
/// validated at its own path; empty without `by_tier`.
pub fn payout_by_tier(
    errors: &mut FieldErrors,
    path: &str,
    raw: &RawPayout,
    own: Option<&Payout>,
    tiers: &[String],
) -> Vec<Payout> {
    let (Some(by_tier), Some(own)) = (&raw.by_tier, own) else {
        return Vec::new();
    };
    let path = format!("{path}.payout.by_tier");
    let mut base = raw.clone();
    base.by_tier = None;
    let Ok(serde_json::Value::Object(base_fields)) = serde_json::to_value(&base) else {
        return Vec::new();
    };
    let mut merged: Vec<Option<Payout>> = vec![None; tiers.len()];
    for (name, fields) in by_tier {
        let here = format!("{path}.{name}");
        let Some(t) = tiers.iter().position(|x| x == name) else {
            errors.push(
                here,
                format!(
                    "`{name}` is no tier{}",
                    did_you_mean(name, tiers.iter().map(String::as_str))
                ),
            );
            continue;
        };
        let Some(fields) = fields.as_object() else {
            errors.push(here, "expected an object of payout fields".into());
            continue;
        };
        if let Some(key) = ["period_days", "by_tier", "spiffs"]
            .iter()
            .find(|k| fields.contains_key(**k))
        {
            errors.push(
                format!("{here}.{key}"),
                format!("`{key}` applies to every tier: set it on the policy's `payout`"),
            );
            continue;
        }
        let mut all = base_fields.clone();
        all.extend(fields.clone());
        match serde_json::from_value::<RawPayout>(serde_json::Value::Object(all)) {
            Ok(tier_raw) => merged[t] = payout_at(errors, here, &tier_raw),
            Err(e) => errors.push(here, format!("not a payout: {e}")),
        }
    }
    merged
        .into_iter()
        .map(|m| m.unwrap_or_else(|| own.clone()))
        .collect()
}

fn payout_at(errors: &mut FieldErrors, path: String, raw: &RawPayout) -> Option<Payout> {
    let before = errors.len();
    if !(raw.per_qualified_lead.is_finite() && raw.per_qualified_lead >= 0.0) {
        errors.push(
            format!("{path}.per_qualified_lead"),
            format!("must be an amount >= 0, got {}", raw.per_qualified_lead),
        );
    }
    for (k, b) in raw.commission.iter().enumerate() {
        if !(b.from.is_finite() && b.from >= 0.0) {
            errors.push(
                format!("{path}.commission[{k}].from"),
                format!("must be revenue >= 0, got {}", b.from),
            );
        }
        unit(errors, format!("{path}.commission[{k}].rate"), b.rate);
        if k > 0 && b.from <= raw.commission[k - 1].from {
            errors.push(
                format!("{path}.commission[{k}].from"),
                format!(
                    "brackets must be in increasing order of `from` without overlap: {} follows {}",
                    b.from,
                    raw.commission[k - 1].from
                ),
            );
        }
    }
    let period_days = raw.period_days.unwrap_or(super::defaults::PERIOD_DAYS);
    if !(period_days.is_finite() && period_days >= super::limits::MIN_PERIOD_DAYS) {
        errors.push(
            format!("{path}.period_days"),
            format!(
                "must be at least {} day (a payout period is a day or longer; each period's close runs the programme's caps, fees and reviews), got {period_days}",
                super::limits::MIN_PERIOD_DAYS
            ),
        );
    }
    if let Some(bonus) = &raw.speed_bonus {
        if !(bonus.within_hours.is_finite() && bonus.within_hours > 0.0) {
            errors.push(
                format!("{path}.speed_bonus.within_hours"),
                format!(
                    "must be a positive number of hours, got {}",
                    bonus.within_hours
                ),
            );
        }
        if !(bonus.amount.is_finite() && bonus.amount >= 0.0) {
            errors.push(
                format!("{path}.speed_bonus.amount"),
                format!("must be an amount >= 0, got {}", bonus.amount),
            );
        }
    }
    if let Some(cap) = raw.cap_per_period {
        if !(cap.is_finite() && cap > 0.0) {
            errors.push(
                format!("{path}.cap_per_period"),
                format!("must be a positive amount, got {cap}"),
            );
        }
    }
    for (name, v) in [
        ("clawback", raw.clawback),
        ("max_discount", raw.max_discount),
        ("mdf_rate", raw.mdf_rate),
    ] {
        if let Some(v) = v {
            unit(errors, format!("{path}.{name}"), v);
        }
    }
    let lag = raw.pay_lag_days.unwrap_or(0.0);
    if !(lag.is_finite() && (0.0..=super::limits::MAX_HORIZON_DAYS).contains(&lag)) {
        errors.push(
            format!("{path}.pay_lag_days"),
            format!(
                "must be a number of days from 0 to {}, got {lag}",
                super::limits::MAX_HORIZON_DAYS
            ),
        );
    }
    let signing = raw.signing_bonus.unwrap_or(0.0);
    if !(signing.is_finite() && signing >= 0.0) {
        errors.push(
            format!("{path}.signing_bonus"),
            format!("must be an amount >= 0, got {signing}"),
        );
    }
    if errors.len() > before {
        return None;
    }
    Some(Payout {
        per_qualified_lead: raw.per_qualified_lead,
        commission: raw
            .commission
            .iter()
            .map(|b| Bracket {
                from: b.from,
                rate: b.rate,
            })
            .collect(),
        period_hours: period_days * HOURS_PER_DAY,
        speed_bonus: raw.speed_bonus.as_ref().map(|b| SpeedBonus {
            within_hours: b.within_hours,
            amount: b.amount,
        }),
        cap_per_period: raw.cap_per_period,
        clawback: raw.clawback.unwrap_or(0.0),
        max_discount: raw.max_discount.unwrap_or(1.0),
        mdf_rate: raw.mdf_rate.unwrap_or(0.0),
        pay_lag_hours: lag * HOURS_PER_DAY,
        signing_bonus: signing,
    })
}

/// `offer`: the mode, and for `broadcast` how many at once; the window and
/// the rounds.
/// `exclusivity`: honoured by default, reviewed only when a guardrail is
/// given.
pub fn exclusivity(
    errors: &mut FieldErrors,
    path: &str,
    raw: Option<&RawExclusivity>,
) -> Exclusivity {
    let Some(raw) = raw else {
        return Exclusivity {
            honor: true,
            review_hours: super::defaults::REVIEW_DAYS * HOURS_PER_DAY,
            min_lead_to_opportunity: None,
            max_sla_breach_rate: None,
        };
    };
    let path = format!("{path}.exclusivity");
    let days = raw.review_days.unwrap_or(super::defaults::REVIEW_DAYS);
    if !(days.is_finite() && days >= super::limits::MIN_REVIEW_DAYS) {
        errors.push(
            format!("{path}.review_days"),
            format!(
                "must be at least {} day, got {days}",
                super::limits::MIN_REVIEW_DAYS
            ),
        );
    }
    for (name, v) in [
        ("min_lead_to_opportunity", raw.min_lead_to_opportunity),
        ("max_sla_breach_rate", raw.max_sla_breach_rate),
    ] {
        if let Some(v) = v {
            unit(errors, format!("{path}.{name}"), v);
        }
    }
    Exclusivity {
        honor: raw.honor,
        review_hours: days * HOURS_PER_DAY,
        min_lead_to_opportunity: raw.min_lead_to_opportunity,
        max_sla_breach_rate: raw.max_sla_breach_rate,
    }
}

/// `payout.spiffs`, each resolved to the segments it pays on.
pub fn spiffs(
    errors: &mut FieldErrors,
    path: &str,
    raw: &[RawSpiff],
    segments: &[Segment],
    (regions, verticals): (&[String], &[String]),
) -> Vec<Spiff> {
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let here = format!("{path}.payout.spiffs[{i}]");
        let before = errors.len();
        let named = |kind: &str, name: &str, names: &[String], errors: &mut FieldErrors| {
            let id = names.iter().position(|x| x == name);
            if id.is_none() {
                errors.push(
                    format!("{here}.{kind}"),
                    format!(
                        "`{name}` is no {kind}{}",
                        did_you_mean(name, names.iter().map(String::as_str))
                    ),
                );
            }
            id
        };
        let mask: Vec<bool> = match (&s.vertical, &s.region, &s.segment) {
            (Some(v), None, None) => named("vertical", v, verticals, errors)
                .map_or(Vec::new(), |id| {
                    segments.iter().map(|g| g.vertical == Some(id)).collect()
                }),
            (None, Some(r), None) => named("region", r, regions, errors).map_or(Vec::new(), |id| {
                segments.iter().map(|g| g.region == Some(id)).collect()
            }),
            (None, None, Some(name)) => {
                let names: Vec<String> = segments.iter().map(|g| g.name.clone()).collect();
                named("segment", name, &names, errors).map_or(Vec::new(), |id| {
                    (0..segments.len()).map(|k| k == id).collect()
                })
            }
            _ => {
                errors.push(
                    here.clone(),
                    "give exactly one of `vertical`, `region` or `segment`".into(),
                );
                Vec::new()
            }
        };
        if !(s.from_day.is_finite() && s.from_day >= 0.0) {
            errors.push(
                format!("{here}.from_day"),
                format!("must be a day >= 0, got {}", s.from_day),
            );
        }
        if !(s.to_day.is_finite() && s.to_day > s.from_day) {
            errors.push(
                format!("{here}.to_day"),
                format!(
                    "must be after `from_day` ({}): the window ends before it starts; got {}",
                    s.from_day, s.to_day
                ),
            );
        }
        if !(s.amount.is_finite() && s.amount >= 0.0) {
            errors.push(
                format!("{here}.amount"),
                format!("must be an amount >= 0, got {}", s.amount),
            );
        }
        if errors.len() == before {
            out.push(Spiff {
                segments: mask,
                from_hours: s.from_day * HOURS_PER_DAY,
                to_hours: s.to_day * HOURS_PER_DAY,
                amount: s.amount,
            });
        }
    }
    out
}

/// `enablement`.
pub fn enablement(errors: &mut FieldErrors, path: &str, raw: &RawEnablement) -> Option<Enablement> {
    let path = format!("{path}.enablement");
    let before = errors.len();
    for (name, v) in [
        ("per_partner_per_period", raw.per_partner_per_period),
        ("qualify_gain_per_1000", raw.qualify_gain_per_1000),
        ("win_gain_per_1000", raw.win_gain_per_1000),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            errors.push(
                format!("{path}.{name}"),
                format!("must be a number >= 0, got {v}"),
            );
        }
    }
    unit(errors, format!("{path}.max_gain"), raw.max_gain);
    let thousands = raw.per_partner_per_period / 1000.0;
    (errors.len() == before).then_some(Enablement {
        per_partner_per_period: raw.per_partner_per_period,
        qualify_gain: raw.qualify_gain_per_1000 * thousands,
        win_gain: raw.win_gain_per_1000 * thousands,
        max_gain: raw.max_gain,
    })
}

/// `co_sell` (the scenario needs a house).
pub fn co_sell(
    errors: &mut FieldErrors,
    path: &str,
    raw: &RawCoSell,
    has_house: bool,
) -> Option<CoSell> {
    let path = format!("{path}.co_sell");
    let before = errors.len();
    if !has_house {
        errors.push(
            path.clone(),
            "co-selling works deals with the house team: the scenario has no `house`".into(),
        );
    }
    if !(raw.min_deal_size.is_finite() && raw.min_deal_size >= 0.0) {
        errors.push(
            format!("{path}.min_deal_size"),
            format!("must be an amount >= 0, got {}", raw.min_deal_size),
        );
    }
    if !(raw.win_factor.is_finite() && raw.win_factor >= 0.0) {
        errors.push(
            format!("{path}.win_factor"),
            format!("must be a number >= 0, got {}", raw.win_factor),
        );
    }
    unit(errors, format!("{path}.partner_share"), raw.partner_share);
    (errors.len() == before).then_some(CoSell {
        min_deal_size: raw.min_deal_size,
        win_factor: raw.win_factor,
        partner_share: raw.partner_share,
    })
}

/// `reserve`.
pub fn reserve(errors: &mut FieldErrors, path: &str, raw: &RawReserve) -> Option<Reserve> {
    let path = format!("{path}.reserve");
    let before = errors.len();
    unit(errors, format!("{path}.share"), raw.share);
    let to = match (raw.to, raw.new_days) {
        (RawReserveTo::LeastServed, Some(_)) => {
            errors.push(
                format!("{path}.new_days"),
                "only applies to `to: \"newest\"`".into(),
            );
            ReserveTo::LeastServed
        }
        (RawReserveTo::LeastServed, None) => ReserveTo::LeastServed,
        (RawReserveTo::Newest, days) => {
            let days = days.unwrap_or(super::defaults::NEW_PARTNER_DAYS);
            if !(days.is_finite() && days > 0.0 && days <= super::limits::MAX_HORIZON_DAYS) {
                errors.push(
                    format!("{path}.new_days"),
                    format!(
                        "must be a positive number of days, at most {}, got {days}",
                        super::limits::MAX_HORIZON_DAYS
                    ),
                );
            }
            ReserveTo::Newest {
                within_hours: days * HOURS_PER_DAY,
            }
        }
    };
    (errors.len() == before).then_some(Reserve {
        share: raw.share,
        to,
    })
}

pub fn offer(errors: &mut FieldErrors, path: &str, raw: &RawOffer) -> Option<Offer> {
    let before = errors.len();
    let path = format!("{path}.offer");
    let to = match (raw.mode, raw.to) {
        (RawOfferMode::Single, Some(_)) => {
            errors.push(
                format!("{path}.to"),
                "`to` only applies to `broadcast`: a single offer goes to one partner".into(),
            );
            1
        }
        (RawOfferMode::Single, None) => 1,
        (RawOfferMode::Broadcast, to) => {
            let to = to.unwrap_or(super::defaults::OFFER_TO);
            if !(1..=1000).contains(&to) {
                errors.push(
                    format!("{path}.to"),
                    format!("must be between 1 and 1000 partners, got {to}"),
                );
            }
            to.clamp(1, 1000) as u32
        }
    };
    let window_hours = raw
        .window_hours
        .unwrap_or(super::defaults::OFFER_WINDOW_HOURS);
    if !(window_hours.is_finite() && window_hours > 0.0) {
        errors.push(
            format!("{path}.window_hours"),
            format!("must be a positive number of hours, got {window_hours}"),
        );
    }
    let max_rounds = raw.max_rounds.unwrap_or(super::defaults::OFFER_MAX_ROUNDS);
    if !(1..=100).contains(&max_rounds) {
        errors.push(
            format!("{path}.max_rounds"),
            format!("must be between 1 and 100, got {max_rounds}"),
        );
    }
    (errors.len() == before).then_some(Offer {
        mode: match raw.mode {
            RawOfferMode::Single => OfferMode::Single,
            RawOfferMode::Broadcast => OfferMode::Broadcast,
        },
        to,
        window_hours,
        max_rounds: max_rounds.clamp(1, 100) as u32,
    })
}
