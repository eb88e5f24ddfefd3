//! Validation of `stress` worlds and `expect` assertions: events and names
//! resolved against partners, segments, policies and metrics.

use super::checker::{Checker, Names};
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
    let base = WorldSpec {
        name: BASE_WORLD.into(),
        description: String::new(),
        events: Vec::new(),
    };
    let context = EventContext {
        raw,
        partners,
        regions,
        verticals,
    };
    std::iter::once(base)
        .chain(
            raw.stress
                .iter()
                .enumerate()
                .filter_map(|(w, stress)| stress_world(c, &context, w, stress)),
        )
        .collect()
}

/// What an event's names are resolved against.
struct EventContext<'a> {
    raw: &'a RawScenario,
    /// `None` when the partners themselves failed validation.
    partners: Option<&'a [Partner]>,
    regions: &'a Names,
    verticals: &'a Names,
}

impl EventContext<'_> {
    /// How many partners events can name (0 when the partners failed).
    fn raw_partner_count(&self) -> usize {
        self.partners.map_or(0, <[Partner]>::len)
    }

    fn partner_name(&self, p: usize) -> &str {
        self.partners.map_or("", |ps| ps[p].name.as_str())
    }

    /// A partner named in an event.
    fn partner(&self, c: &mut Checker, path: String, name: &str) -> Option<usize> {
        let partners = self.partners?;
        c.resolve(
            path,
            name,
            partners.iter().map(|p| p.name.as_str()),
            "names no partner",
        )
    }
}

/// One `stress` world: its name checked, its events validated and sorted
/// by time.
fn stress_world(
    c: &mut Checker,
    context: &EventContext,
    w: usize,
    stress: &RawStress,
) -> Option<WorldSpec> {
    let raw = context.raw;
    let path = format!("stress[{w}]");
    c.name(&format!("{path}.name"), &stress.name, true);
    if !c.at_most(
        &format!("{path}.events"),
        stress.events.len(),
        super::limits::EVENTS,
    ) {
        return None;
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
    let mut events: Vec<(usize, WorldEvent)> = stress
        .events
        .iter()
        .enumerate()
        .filter_map(|(k, e)| Some((k, event(c, context, &format!("{path}.events[{k}]"), e)?)))
        .collect();
    // In time order; events on the same day keep the file's order.
    events.sort_by(|a, b| a.1.hours.total_cmp(&b.1.hours));
    partner_sequences(c, context, &path, &events);
    let events = events.into_iter().map(|(_, e)| e).collect();
    Some(WorldSpec {
        name: stress.name.clone(),
        description: stress.description.clone(),
        events,
    })
}

/// What happens to each partner in one world, in time order, must be a
/// story the simulation defines: at most one join, and nothing after a
/// partner has left (an exit, or being acquired): no second exit or
/// acquisition, no join after leaving, and no acquisition by a partner that
/// has left. Anything else is refused rather than half-applied.
fn partner_sequences(
    c: &mut Checker,
    context: &EventContext,
    path: &str,
    events: &[(usize, WorldEvent)],
) {
    let n = context.raw_partner_count();
    let mut joined: Vec<Option<usize>> = vec![None; n];
    let mut gone: Vec<Option<usize>> = vec![None; n];
    let name = |p: usize| context.partner_name(p);
    for (k, e) in events {
        let at = format!("{path}.events[{k}]");
        match e.kind {
            WorldEventKind::PartnerJoin { partner } => {
                if let Some(j) = joined[partner] {
                    c.fail(
                        format!("{at}.partner_join"),
                        format!(
                            "`{}` already joins at {path}.events[{j}]: a partner joins once",
                            name(partner)
                        ),
                    );
                } else if let Some(g) = gone[partner] {
                    c.fail(
                        format!("{at}.partner_join"),
                        format!("`{}` has left by then ({path}.events[{g}]): a partner that left does not come back in a stress world", name(partner)),
                    );
                }
                joined[partner] = joined[partner].or(Some(*k));
            }
            WorldEventKind::PartnerExit { partner } => {
                if let Some(g) = gone[partner] {
                    c.fail(
                        format!("{at}.partner_exit"),
                        format!("`{}` has already left ({path}.events[{g}])", name(partner)),
                    );
                }
                gone[partner] = gone[partner].or(Some(*k));
            }
            WorldEventKind::Consolidation { acquirer, acquired } => {
                for (who, role) in [(acquired, "acquired"), (acquirer, "acquirer")] {
                    if let Some(g) = gone[who] {
                        c.fail(
                            format!("{at}.consolidation.{role}"),
                            format!("`{}` has already left ({path}.events[{g}]), so it cannot be the {role} here", name(who)),
                        );
                    }
                }
                gone[acquired] = gone[acquired].or(Some(*k));
            }
            WorldEventKind::MarketSkew { .. } | WorldEventKind::Demand { .. } => {}
        }
    }
}

/// One event: its day, and exactly one kind, each checked by its own
/// function.
fn event(c: &mut Checker, context: &EventContext, path: &str, e: &RawEvent) -> Option<WorldEvent> {
    let raw = context.raw;
    if !(e.day.is_finite() && e.day >= 0.0 && e.day <= raw.horizon_days) {
        c.fail(
            format!("{path}.day"),
            format!(
                "must be a day within the horizon [0, {}], got {}",
                raw.horizon_days, e.day
            ),
        );
    }
    let kinds = e.kinds();
    let given = kinds.map(|(_, kind)| kind.is_some());
    let names: Vec<String> = kinds.iter().map(|(name, _)| format!("`{name}`")).collect();
    let message = format!("an event has `day` and exactly one of {}", names.join(", "));
    if !c.exactly_one(path, &given, &message) {
        return None;
    }
    let kind = kinds.into_iter().find_map(|(_, kind)| kind)?;
    let exact_replay = raw
        .leads
        .replay
        .as_ref()
        .is_some_and(|r| r.mode == RawReplayMode::Exact);
    let changes_leads = matches!(kind, RawEventKind::MarketSkew(_) | RawEventKind::Demand(_));
    if exact_replay && changes_leads {
        c.fail(
            path,
            "an exact replay's leads are the file's: `market_skew` and `demand` cannot change them (use `mode: bootstrap`)",
        );
        return None;
    }
    let kind = match kind {
        RawEventKind::MarketSkew(s) => market_skew(c, context, path, s),
        RawEventKind::Demand(d) => Some(demand(c, path, d, e.day)),
        RawEventKind::Consolidation(m) => consolidation(c, context, path, m),
        RawEventKind::PartnerExit(x) => context
            .partner(c, format!("{path}.partner_exit.partner"), &x.partner)
            .map(|partner| WorldEventKind::PartnerExit { partner }),
        RawEventKind::PartnerJoin(x) => context
            .partner(c, format!("{path}.partner_join.partner"), &x.partner)
            .map(|partner| WorldEventKind::PartnerJoin { partner }),
    }?;
    Some(WorldEvent {
        hours: e.day * HOURS_PER_DAY,
        kind,
    })
}

/// A surge or slump of one region's or vertical's leads.
fn market_skew(
    c: &mut Checker,
    context: &EventContext,
    path: &str,
    s: &RawMarketSkew,
) -> Option<WorldEventKind> {
    factor(c, &format!("{path}.market_skew.factor"), s.factor);
    if !c.exactly_one(
        &format!("{path}.market_skew"),
        &[s.region.is_some(), s.vertical.is_some()],
        "give exactly one of `region` or `vertical`",
    ) {
        return None;
    }
    // The region or vertical, resolved against the segments' names.
    let mut lookup = |field: &str, name: &Option<String>, names: &Names| match name {
        None => Some(None),
        Some(n) => c
            .resolve(
                format!("{path}.market_skew.{field}"),
                n,
                names.0.iter().map(String::as_str),
                &format!("is no segment's {field}"),
            )
            .map(Some),
    };
    let region = lookup("region", &s.region, context.regions);
    let vertical = lookup("vertical", &s.vertical, context.verticals);
    Some(WorldEventKind::MarketSkew {
        region: region?,
        vertical: vertical?,
        factor: s.factor,
    })
}

/// A change in the whole lead flow, until a day or the horizon's end.
fn demand(c: &mut Checker, path: &str, d: &RawDemand, day: f64) -> WorldEventKind {
    factor(c, &format!("{path}.demand.factor"), d.factor);
    let until = d.until_day.unwrap_or(f64::INFINITY);
    if until <= day {
        c.fail(
            format!("{path}.demand.until_day"),
            format!("must come after the event's day ({day}), got {until}"),
        );
    }
    WorldEventKind::Demand {
        factor: d.factor,
        until_hours: until * HOURS_PER_DAY,
    }
}

/// One partner acquiring another.
fn consolidation(
    c: &mut Checker,
    context: &EventContext,
    path: &str,
    m: &RawConsolidation,
) -> Option<WorldEventKind> {
    let acquirer = context.partner(c, format!("{path}.consolidation.acquirer"), &m.acquirer);
    let acquired = context.partner(c, format!("{path}.consolidation.acquired"), &m.acquired);
    let (acquirer, acquired) = (acquirer?, acquired?);
    if acquirer == acquired {
        c.fail(
            format!("{path}.consolidation"),
            "a partner cannot acquire itself",
        );
        return None;
    }
    Some(WorldEventKind::Consolidation { acquirer, acquired })
}

/// A demand or skew factor: in [0, [`MAX_FACTOR`]].
fn factor(c: &mut Checker, path: &str, v: f64) {
    if !(v.is_finite() && (0.0..=MAX_FACTOR).contains(&v)) {
        c.fail(
            path,
            format!("must be a number in [0, {MAX_FACTOR}], got {v}"),
        );
    }
}

/// `expect`: assertions a run must satisfy, with names resolved.
pub(super) fn expectations(
    c: &mut Checker,
    raw: &RawScenario,
    worlds: &[WorldSpec],
) -> Vec<Expectation> {
    raw.expect
        .iter()
        .enumerate()
        .filter_map(|(i, e)| expectation(c, raw, worlds, &format!("expect[{i}]"), e))
        .collect()
}

/// One assertion: its policy, world and metric resolved, exactly one test.
fn expectation(
    c: &mut Checker,
    raw: &RawScenario,
    worlds: &[WorldSpec],
    path: &str,
    e: &RawExpect,
) -> Option<Expectation> {
    use crate::metrics::{Direction, Metric};
    let policy_names = raw.policies.iter().map(|p| p.name.as_str());
    let find_policy = |c: &mut Checker, field: &str, name: &str| {
        c.resolve(
            format!("{path}.{field}"),
            name,
            policy_names.clone(),
            "names no policy",
        )
    };
    let policy = find_policy(c, "policy", &e.policy);
    let world_name = e.world.as_deref().unwrap_or(BASE_WORLD);
    let world = c.resolve(
        format!("{path}.world"),
        world_name,
        worlds.iter().map(|w| w.name.as_str()),
        "names no world",
    );
    let metric = c
        .resolve(
            format!("{path}.metric"),
            &e.metric,
            Metric::names(),
            "is no metric",
        )
        .map(|k| Metric::ALL[k]);
    let given = [
        e.max.is_some(),
        e.min.is_some(),
        e.better_than.is_some(),
        e.not_worse_than.is_some(),
    ];
    if !c.exactly_one(
        path,
        &given,
        "an assertion has exactly one of `max`, `min`, `better_than`, `not_worse_than`",
    ) {
        return None;
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
        (_, _, Some(other), _) => find_policy(c, "better_than", other).map(ExpectKind::BetterThan),
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
    Some(Expectation {
        policy: policy?,
        world: world?,
        metric: metric?,
        kind: kind?,
    })
}
