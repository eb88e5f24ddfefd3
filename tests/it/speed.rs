//! Speed to lead as curves: a `points` curve multiplies qualification by
//! exactly its points (linear between them), `reach` leaves the share it
//! says unreached, and bad curves are refused with the field named.

use leadsim::metrics::Metric;
use leadsim::model::Curve;
use serde_json::json;

use super::common::{metric, run, Scenario};

/// One partner that contacts every lead after exactly `response` hours,
/// leads of quality 1, qualify rate 1: the chance to qualify is the
/// `qualify` curve at `response`.
fn scenario(response: f64, speed: serde_json::Value) -> Scenario {
    Scenario::new(json!({
        "name": "speed", "horizon_days": 60, "seed": 5,
        "leads": {"arrivals_per_day": 40, "signals": [{"name": "score", "noise": 0}],
                  "segments": [{"name": "all", "quality": {"fixed": 1}}]},
        "speed_to_lead": speed,
        "partners": [{"name": "P", "capacity": 100000, "response_hours": {"fixed": response},
                      "qualify_rate": 1, "win_rate": 0.5}],
        "policies": [{"name": "p"}]
    }))
}

#[test]
fn a_points_curve_is_linear_between_its_points_and_flat_after() {
    let curve = Curve::Points(vec![(0.0, 1.0), (1.0, 0.45), (24.0, 0.08)]);
    assert_eq!(curve.at(0.0), 1.0);
    assert_eq!(curve.at(1.0), 0.45);
    assert_eq!(curve.at(24.0), 0.08);
    assert!((curve.at(0.5) - 0.725).abs() < 1e-12);
    assert!((curve.at(12.5) - (0.45 + (0.08 - 0.45) * 11.5 / 23.0)).abs() < 1e-12);
    assert_eq!(curve.at(1000.0), 0.08);
    // The half-life form is today's decay.
    let half = Curve::HalfLife {
        half_life_hours: 6.0,
        floor: 0.2,
    };
    assert!((half.at(6.0) - 0.6).abs() < 1e-12);
}

#[test]
fn the_engine_qualifies_at_the_curve_and_leaves_the_unreached() {
    // Contact at 1 hour: qualify at 0.45 of the base chance (1).
    let s = run(
        &scenario(
            1.0,
            json!({"qualify": {"points": [[0, 1], [1, 0.45], [24, 0.08]]}}),
        )
        .model(),
        20,
        3,
    );
    let e = metric(&s, "p", Metric::LeadToOpportunity);
    // About 2,400 leads a replication, 20 replications: the standard error
    // of the mean is about 0.0023; 4 of them.
    assert!((e.mean - 0.45).abs() < 0.01, "{}", e.mean);
    // Reach 0.5 at every delay: half of the contacted leads are unreached,
    // and the rest qualify at the (flat 1) qualify curve.
    let s = run(
        &scenario(
            1.0,
            json!({"qualify": {"points": [[0, 1]]}, "reach": {"points": [[0, 0.5]]}}),
        )
        .model(),
        20,
        3,
    );
    let leads = metric(&s, "p", Metric::Leads).mean;
    let unreached = metric(&s, "p", Metric::Unreached).mean;
    assert!(
        (unreached / leads - 0.5).abs() < 0.01,
        "{}",
        unreached / leads
    );
    let to_opportunity = metric(&s, "p", Metric::LeadToOpportunity).mean;
    // Every reached lead qualifies (means of ratios against a ratio of
    // means, so within the same tolerance).
    assert!((to_opportunity - 0.5).abs() < 0.01, "{to_opportunity}");
}

#[test]
fn without_reach_nothing_is_unreached_and_the_old_form_still_works() {
    let old = run(
        &scenario(6.0, json!({"half_life_hours": 6, "floor": 0.2})).model(),
        10,
        3,
    );
    let new = run(
        &scenario(
            6.0,
            json!({"qualify": {"half_life_hours": 6, "floor": 0.2}}),
        )
        .model(),
        10,
        3,
    );
    assert_eq!(
        leadsim::report::json::render(&old),
        leadsim::report::json::render(&new)
    );
    assert_eq!(metric(&old, "p", Metric::Unreached).mean, 0.0);
    assert!((metric(&old, "p", Metric::LeadToOpportunity).mean - 0.6).abs() < 0.015);
}

#[test]
fn bad_curves_are_refused_with_the_field_named() {
    let cases = [
        (
            json!({"qualify": {"points": [[0, 1], [2, 0.5], [1, 0.3]]}}),
            "speed_to_lead.qualify.points[2]: hours must ascend",
        ),
        (
            json!({"reach": {"points": [[0, 0.5], [1, 0.7]]}}),
            "speed_to_lead.reach.points[1]: multipliers must not increase",
        ),
        (
            json!({"qualify": {"points": [[1, 1]]}}),
            "speed_to_lead.qualify.points[0]: the first point must be at hour 0",
        ),
        (
            json!({"qualify": {"points": [[0, 1.5]]}}),
            "the multiplier must be in [0, 1]",
        ),
        (
            json!({"qualify": {"points": []}}),
            "speed_to_lead.qualify.points: needs at least one point",
        ),
        (
            json!({"qualify": {"points": [[0, 1]], "floor": 0.2}}),
            "give `points` or `half_life_hours` and `floor`, not both",
        ),
        (
            json!({"half_life_hours": 4, "qualify": {"points": [[0, 1]]}}),
            "give `qualify` or the older `half_life_hours` and `floor`",
        ),
        (
            json!({"reach": {"half_life_hours": -1}}),
            "speed_to_lead.reach.half_life_hours: must be a positive number",
        ),
    ];
    for (speed, expected) in cases {
        let text = scenario(1.0, speed.clone()).text();
        let err = leadsim::load_text(&text, std::path::Path::new("s.json"))
            .expect_err(&speed.to_string())
            .to_string();
        assert!(
            err.contains(expected),
            "{speed}: expected `{expected}` in {err}"
        );
    }
}
