//! Partner behaviour: effort follows earnings per lead; partners that earn
//! too little for too long leave, and lose nothing on the way out.

use leadsim::engine::leads::draw_world;
use leadsim::engine::rng::{replication_seed, Streams};
use leadsim::engine::{simulate_observed, Event, Observer, Scratch};
use leadsim::metrics::Metric;

use serde_json::json;

use super::common::{metric, model, run, Scenario};

/// Four partners and two policies, one unpaid and one generous; `partner`
/// is merged into the partner line and `economics` into `economics`.
fn scenario(partner: serde_json::Value, economics: serde_json::Value) -> String {
    Scenario::new(json!({
        "name": "behaviour", "horizon_days": 120, "seed": 3,
        "leads": {"arrivals_per_day": 30},
        "economics": {"review_days": 30, "reference_earnings_per_lead": 100},
        "speed_to_lead": {"half_life_hours": 24, "floor": 0.2},
        "partners": [{"name": "P", "count": 4, "capacity": 50,
                      "response_hours": {"lognormal": {"median": 6, "p90": 30}},
                      "work_days": {"exponential": {"mean": 10}}}],
        "policies": [
            {"name": "unpaid"},
            {"name": "generous", "payout": {"per_qualified_lead": 800, "commission": [{"from": 0, "rate": 0.2}]}}
        ]
    }))
    .merge_partners(partner)
    .merge(json!({ "economics": economics }))
    .text()
}

#[test]
fn zero_elasticity_gives_bit_identical_results_to_no_behaviour() {
    let plain = model(&scenario(json!({}), json!({})));
    // Reviews run (a tiny earnings floor with endless patience) but the
    // elasticity is 0: nothing may change, not even one bit.
    let reviewed = model(&scenario(
        json!({"effort_elasticity": 0, "min_period_earnings": 0.01, "patience_periods": 1000000}),
        json!({}),
    ));
    let a = leadsim::report::json::render(&run(&plain, 20, 9));
    let b = leadsim::report::json::render(&run(&reviewed, 20, 9));
    assert_eq!(a, b);
}

#[test]
fn effort_follows_earnings() {
    let m = model(&scenario(json!({"effort_elasticity": 1}), json!({})));
    let s = run(&m, 40, 2);
    let plain = run(&model(&scenario(json!({}), json!({}))), 40, 2);
    // Unpaid partners fall to effort 0.5 after the first review (responses
    // twice as slow, qualification halved); generous ones rise to 1.5.
    let ttfc = |s, p| metric(s, p, Metric::TtfcMean).mean;
    let conv = |s, p| metric(s, p, Metric::LeadToOpportunity).mean;
    assert!(
        ttfc(&s, "unpaid") > 1.3 * ttfc(&plain, "unpaid"),
        "{} vs {}",
        ttfc(&s, "unpaid"),
        ttfc(&plain, "unpaid")
    );
    assert!(ttfc(&s, "generous") < 0.85 * ttfc(&plain, "generous"));
    assert!(conv(&s, "generous") > conv(&s, "unpaid") * 1.5);
    // Without behaviour the payout changes nothing but money.
    assert_eq!(ttfc(&plain, "generous"), ttfc(&plain, "unpaid"));
}

/// Records assignments to check that a partner that left gets nothing more.
struct Assignments(Vec<(f64, u32)>);
impl Observer for Assignments {
    fn event(&mut self, time: f64, event: Event) {
        if let Event::Assigned { holder, .. } = event {
            self.0.push((time, holder));
        }
    }
}

#[test]
fn partners_below_the_earnings_floor_leave_and_their_queue_is_rerouted() {
    // One slow, tiny partner earns nothing under `unpaid` and leaves after
    // two reviews (day 60); its queued leads go to the others.
    let text = r#"{
        "name": "exit", "horizon_days": 120,
        "leads": {"arrivals_per_day": 30},
        "economics": {"review_days": 30},
        "partners": [
            {"name": "Slow", "capacity": 1, "response_hours": {"fixed": 48},
             "min_period_earnings": 500, "patience_periods": 2},
            {"name": "Fast", "count": 3, "capacity": 100, "response_hours": {"fixed": 1}}],
        "policies": [{"name": "unpaid", "routing": {"rule": "round_robin"}}]
    }"#;
    let m = model(text);
    let mut scratch = Scratch::default();
    for r in 0..10 {
        let world = draw_world(&m, r, Streams::new(replication_seed(4, r)), 0);
        let mut seen = Assignments(Vec::new());
        let result = simulate_observed(&m, &m.policies[0], &world, &mut scratch, &mut seen);
        let left = result.partners[0].left_at_hours.expect("Slow leaves");
        assert_eq!(left, 60.0 * 24.0, "two reviews in a row below the floor");
        assert!(
            seen.0.iter().all(|&(t, p)| p != 0 || t < left),
            "nothing assigned after leaving"
        );
        assert!(
            seen.0.iter().any(|&(t, p)| p != 0 && t == left),
            "its queue was routed again at once"
        );
        assert_eq!(result.outcomes.total(), result.leads, "no lead lost");
        assert!(result.partners[1..]
            .iter()
            .all(|p| p.left_at_hours.is_none()));
    }
    let s = run(&m, 10, 4);
    assert_eq!(metric(&s, "unpaid", Metric::PartnersLeft).mean, 1.0);
    assert_eq!(metric(&s, "unpaid", Metric::PartnersRetained).mean, 3.0);
    let slow = &s.cells[0].partners[0];
    assert_eq!((slow.left_share, slow.left_mean_day), (1.0, Some(60.0)));
}
