//! Validation of a policy's `payout`: commission brackets, per-lead fees,
//! speed bonuses, the cap, clawbacks, MDF, pay lag and signing bonus, the
//! payouts by tier, and SPIFFs.

use super::errors::{did_you_mean, unit, FieldErrors};
use super::raw::*;
use crate::model::*;

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
