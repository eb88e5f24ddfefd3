//! Validation of one policy's sections: routing, scoring, SLA, caps,
//! offers, reserve, exclusivity, enablement, co-selling (its payout is
//! `payout.rs`'s).
//!
//! Split from `validate.rs` to keep each file to one subject; the same rules
//! apply: collect every problem with its field path, never panic.

use super::errors::{did_you_mean, unit, FieldErrors};
use super::raw::*;
use crate::model::*;

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
