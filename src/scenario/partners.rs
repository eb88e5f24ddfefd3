//! Validation of `partners` and `house`: teams, coverage, behaviour.

use std::collections::BTreeMap;

use super::checker::{Checker, Names};
use super::defaults;
use super::dist::Support;
use super::raw::*;
use super::week::{hours, CalendarSpec};
use crate::model::*;

/// A team's fields checked, defaults applied (`calendar` resolves its
/// `hours`).
pub(super) fn team(
    c: &mut Checker,
    path: &str,
    f: TeamFields,
    calendar: &CalendarSpec,
) -> Option<Team> {
    let capacity = f.capacity.unwrap_or(defaults::CAPACITY);
    if !(1..=u32::MAX as i64).contains(&capacity) {
        c.fail(
            format!("{path}.capacity"),
            format!("must be at least 1 lead worked at once, got {capacity}"),
        );
    }
    let response_hours = c.dist(
        f.response_hours.as_ref(),
        defaults::RESPONSE_HOURS,
        &format!("{path}.response_hours"),
        Support::NonNegative,
    );
    let work_days = c.dist(
        f.work_days.as_ref(),
        defaults::WORK_DAYS,
        &format!("{path}.work_days"),
        Support::NonNegative,
    );
    let qualify_rate = c.rate(
        f.qualify_rate.as_ref(),
        defaults::QUALIFY_RATE,
        &format!("{path}.qualify_rate"),
    );
    let win_rate = c.rate(
        f.win_rate.as_ref(),
        defaults::WIN_RATE,
        &format!("{path}.win_rate"),
    );
    let discount = c.rate(f.discount.as_ref(), 0.0, &format!("{path}.discount"));
    let accept_rate = c.rate(
        f.accept_rate.as_ref(),
        defaults::ACCEPT_RATE,
        &format!("{path}.accept_rate"),
    );
    let accept_hours = c.dist(
        f.accept_hours.as_ref(),
        defaults::ACCEPT_HOURS,
        &format!("{path}.accept_hours"),
        Support::NonNegative,
    );
    let selectivity = f.selectivity.unwrap_or(0.0);
    c.non_negative(&format!("{path}.selectivity"), selectivity);
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
        opportunities_hold_slots: f.opportunities_hold_slots.unwrap_or(true),
        hours: match f.hours {
            None => None,
            Some(raw) => Some(hours(c, path, raw, calendar)?),
        },
        accept_rate: accept_rate?,
        accept_hours: accept_hours?,
        selectivity,
        reject_when_full: f.reject_when_full.unwrap_or(false),
    })
}

/// `partners`, each line expanded by its `count`.
pub(super) fn partners(
    c: &mut Checker,
    raw: &[RawPartner],
    regions: &mut Names,
    verticals: &mut Names,
    tiers: &mut Names,
    calendar: &CalendarSpec,
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
        let names = line_names(c, &path, p, &mut seen);
        // Regions, verticals and tiers become names in every output.
        for (k, r) in p.regions.iter().flatten().enumerate() {
            c.name(&format!("{path}.regions[{k}]"), r, false);
        }
        for (k, v) in p.verticals.iter().flatten().enumerate() {
            c.name(&format!("{path}.verticals[{k}]"), v, false);
        }
        if let Some(t) = &p.tier {
            c.name(&format!("{path}.tier"), t, false);
        }
        let names_ids = LineNames {
            regions: p
                .regions
                .as_ref()
                .map(|rs| rs.iter().map(|r| regions.intern(r)).collect()),
            verticals: p
                .verticals
                .as_ref()
                .map(|vs| vs.iter().map(|v| verticals.intern(v)).collect()),
            tier: tiers.intern(p.tier.as_deref().unwrap_or(defaults::TIER)),
        };
        let team = team(c, &path, p.team_fields(), calendar);
        let behaviour = behaviour(c, &path, p);
        let exclusive = p
            .exclusive
            .as_ref()
            .and_then(|e| exclusive(c, &path, e, &names_ids, regions, verticals));
        let discount_discipline = p.discount_discipline.unwrap_or(0.0);
        c.unit(&format!("{path}.discount_discipline"), discount_discipline);
        let sourced_per_day = p.sourced_per_day.unwrap_or(0.0);
        c.non_negative(&format!("{path}.sourced_per_day"), sourced_per_day);
        let leads_per_mdf_1000 = p.leads_per_mdf_1000.unwrap_or(0.0);
        c.non_negative(&format!("{path}.leads_per_mdf_1000"), leads_per_mdf_1000);
        let Some(team) = team else { continue };
        for name in names {
            out.push(Partner {
                name,
                tier: names_ids.tier,
                covers_region: covers(names_ids.regions.as_deref(), regions.0.len()),
                covers_vertical: covers(names_ids.verticals.as_deref(), verticals.0.len()),
                team: team.clone(),
                effort_elasticity: behaviour.elasticity,
                discount_discipline,
                sourced_per_hour: sourced_per_day / HOURS_PER_DAY,
                leads_per_mdf: leads_per_mdf_1000 / 1000.0,
                exclusive,
                min_period_earnings: behaviour.min_earnings,
                patience_periods: behaviour.patience,
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

/// A partner line's regions, verticals (`None`: all) and tier, interned.
struct LineNames {
    regions: Option<Vec<usize>>,
    verticals: Option<Vec<usize>>,
    tier: usize,
}

/// Which of `n` names a partner covers: `ids`, or all when `None`.
/// A partner's `exclusive` territory: exactly one of a region or a
/// vertical, which the partner itself must cover.
fn exclusive(
    c: &mut Checker,
    path: &str,
    e: &RawExclusive,
    ids: &LineNames,
    regions: &mut Names,
    verticals: &mut Names,
) -> Option<Territory> {
    let path = format!("{path}.exclusive");
    match (&e.region, &e.vertical) {
        (Some(r), None) => {
            let id = regions.intern(r);
            if ids.regions.as_ref().is_some_and(|own| !own.contains(&id)) {
                c.fail(
                    format!("{path}.region"),
                    format!(
                        "`{r}` is not among this partner's `regions`: it cannot take those leads"
                    ),
                );
                return None;
            }
            Some(Territory::Region(id))
        }
        (None, Some(v)) => {
            let id = verticals.intern(v);
            if ids.verticals.as_ref().is_some_and(|own| !own.contains(&id)) {
                c.fail(
                    format!("{path}.vertical"),
                    format!("`{v}` is not among this partner's `verticals`"),
                );
                return None;
            }
            Some(Territory::Vertical(id))
        }
        _ => {
            c.fail(
                path,
                "give exactly one of `region` or `vertical`: {\"region\": \"emea\"}",
            );
            None
        }
    }
}

fn covers(ids: Option<&[usize]>, n: usize) -> Vec<bool> {
    match ids {
        None => vec![true; n],
        Some(ids) => {
            let mut flags = vec![false; n];
            ids.iter().for_each(|&k| flags[k] = true);
            flags
        }
    }
}

/// The partner names a line stands for (`Name-1`, `Name-2`, ... with a
/// `count`), each checked unique across the file (`seen`: name to the line
/// that declared it).
fn line_names(
    c: &mut Checker,
    path: &str,
    p: &RawPartner,
    seen: &mut BTreeMap<String, String>,
) -> Vec<String> {
    c.name(&format!("{path}.name"), &p.name, false);
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
            seen.insert(name.clone(), path.to_string());
        }
    }
    names
}

/// How a partner line responds to incentives, and when it is away or joins.
struct Behaviour {
    elasticity: f64,
    min_earnings: f64,
    patience: u32,
}

fn behaviour(c: &mut Checker, path: &str, p: &RawPartner) -> Behaviour {
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
    Behaviour {
        elasticity,
        min_earnings,
        patience: patience.clamp(1, 1_000_000) as u32,
    }
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
