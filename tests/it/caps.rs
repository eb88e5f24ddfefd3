//! Caps and availability are enforced exactly: in every replication of
//! random policies, no assignment breaks `per_day`, `per_period` or
//! `max_share`, and nobody gets a lead while away or before joining.

use std::collections::HashMap;

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate_observed, Event, Observer, Scratch};
use proptest::prelude::*;

use serde_json::json;

use super::common::{model, Scenario};

struct Assignments(Vec<(f64, u32)>);
impl Observer for Assignments {
    fn event(&mut self, time: f64, event: Event) {
        if let Event::Assigned { holder, .. } = event {
            self.0.push((time, holder));
        }
    }
}

fn scenario(
    rule: &str,
    max_share: Option<f64>,
    per_day: Option<u32>,
    per_period: Option<u32>,
    period_days: f64,
) -> String {
    let mut caps = serde_json::Map::new();
    if let Some(s) = max_share {
        caps.insert("max_share".into(), json!(s));
    }
    if let Some(d) = per_day {
        caps.insert("per_day".into(), json!(d));
    }
    if let Some(p) = per_period {
        caps.insert("per_period".into(), json!(p));
    }
    Scenario::new(json!({
        "name": "caps", "horizon_days": 40,
        "leads": {"arrivals_per_day": 25},
        "house": {"capacity": 5},
        "partners": [
            {"name": "Big", "capacity": 40, "response_hours": {"fixed": 1}},
            {"name": "Mid", "count": 2, "capacity": 10, "away": [{"from_day": 5, "to_day": 9}]},
            {"name": "Late", "capacity": 10, "joins_day": 12}],
        "policies": [{"name": "p", "routing": {"rule": rule},
                      "sla": {"first_contact_hours": 12, "max_reroutes": 2},
                      "caps": caps,
                      "payout": {"period_days": period_days}}]
    }))
    .text()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn caps_are_never_exceeded(
        rule in prop::sample::select(vec!["round_robin", "least_loaded", "weighted", "best_win_rate", "thompson", "fastest"]),
        max_share in prop::option::of(0.2f64..0.9),
        per_day in prop::option::of(1u32..12),
        per_period in prop::option::of(5u32..200),
        period_days in prop::sample::select(vec![7.0, 30.0, 90.0]),
        seed in any::<u64>(),
    ) {
        let m = model(&scenario(rule, max_share, per_day, per_period, period_days));
        let house = m.partners.len() as u32;
        let mut scratch = Scratch::default();
        for r in 0..2 {
            let world = draw_world(&m, r, Streams::new(replication_seed(seed, r)), 0);
            let mut seen = Assignments(Vec::new());
            let result = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut seen);
            prop_assert_eq!(result.outcomes.total(), result.leads);
            let mut per_day_count: HashMap<(u32, u64), u32> = HashMap::new();
            let mut per_period_count: HashMap<(u32, u64), u32> = HashMap::new();
            let mut routed_in_period: HashMap<u64, u32> = HashMap::new();
            for &(t, p) in &seen.0 {
                if p == house {
                    continue;
                }
                let day = (t / 24.0).floor() as u64;
                let period = (t / (period_days * 24.0)).floor() as u64;
                let routed = routed_in_period.entry(period).or_insert(0);
                let mine = per_period_count.entry((p, period)).or_insert(0);
                if let Some(share) = max_share {
                    if *routed >= 20 {
                        prop_assert!((*mine + 1) as f64 / (*routed + 1) as f64 <= share + 1e-12,
                            "partner {} at {}: {} of {} routed", p, t, *mine + 1, *routed + 1);
                    }
                }
                *mine += 1;
                *routed += 1;
                let today = per_day_count.entry((p, day)).or_insert(0);
                *today += 1;
                if let Some(cap) = per_day {
                    prop_assert!(*today <= cap);
                }
                if let Some(cap) = per_period {
                    prop_assert!(*mine <= cap);
                }
                let partner = &m.partners[p as usize];
                prop_assert!(!partner.is_away(t), "{} got a lead while away at {}", partner.name, t);
                prop_assert!(partner.has_joined(t), "{} got a lead before joining", partner.name);
            }
        }
    }
}
