//! Validation of `stress` worlds and `expect` assertions: events and names
//! resolved against partners, segments, policies and metrics.

use super::checker::{Checker, Names};
use super::errors::did_you_mean;
use super::raw::*;
use crate::model::*;

/// The base world and the `stress` worlds, with names resolved.
/// The largest demand or skew factor: a hundredfold surge is far beyond
/// any real shock, and keeps a world's lead count bounded.
pub const MAX_FACTOR: f64 = 100.0;

pub(super) fn worlds(
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
        c.name(&format!("{path}.name"), &stress.name, true);
        if !c.at_most(
            &format!("{path}.events"),
            stress.events.len(),
            super::limits::EVENTS,
        ) {
            continue;
        }
        if stress.name == BASE_WORLD {
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
                if !(s.factor.is_finite() && (0.0..=MAX_FACTOR).contains(&s.factor)) {
                    c.fail(
                        format!("{path}.market_skew.factor"),
                        format!("must be a number in [0, {MAX_FACTOR}], got {}", s.factor),
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
                if !(d.factor.is_finite() && (0.0..=MAX_FACTOR).contains(&d.factor)) {
                    c.fail(
                        format!("{path}.demand.factor"),
                        format!("must be a number in [0, {MAX_FACTOR}], got {}", d.factor),
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
pub(super) fn expectations(
    c: &mut Checker,
    raw: &RawScenario,
    worlds: &[WorldSpec],
) -> Vec<Expectation> {
    use crate::metrics::{Direction, Metric};
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
        let metric = Metric::from_name(&e.metric);
        if metric.is_none() {
            c.fail(
                format!("{path}.metric"),
                format!(
                    "`{}` is no metric{}",
                    e.metric,
                    did_you_mean(&e.metric, Metric::names())
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
            if m.direction() == Direction::Neutral {
                c.fail(
                    format!("{path}.metric"),
                    format!("`{}` has no better side, so `better_than` and `not_worse_than` cannot apply; use `max` or `min`", m.name()),
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
